"""`assistant doctor`: the configuration and every configured outside system, checked."""

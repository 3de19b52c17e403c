"""Event triggers and sequences: which occasions queue a draft, once."""

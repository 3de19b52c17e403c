"""Offline evals: a shipped golden set through the drafter, measured and compared."""

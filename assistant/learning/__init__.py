"""Learning from staff edits: anonymised approved edits become examples for the drafters."""

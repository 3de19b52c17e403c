"""Read-only reports over what the assistant and its reviewers did."""

"""What every `assistant` command shares: lazy loading, one-line errors, database readiness."""

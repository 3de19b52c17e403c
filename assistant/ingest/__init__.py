"""CSV import: validate row by row, stage, check references, merge set-based."""

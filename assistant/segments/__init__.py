"""Customer segments: declarative definitions compiled to one SQL query each (docs/segments.md)."""

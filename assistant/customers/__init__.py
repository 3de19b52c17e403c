"""A customer as a whole: profile summary, export of everything held, and forgetting."""

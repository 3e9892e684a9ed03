"""Pages that bring several domains together (the model card: catalog, checks, review)."""

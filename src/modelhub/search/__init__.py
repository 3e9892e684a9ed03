"""Finding resources: the search index (full text on SQLite FTS5 and PostgreSQL), filters,
facets, sorting, and the catalog page."""

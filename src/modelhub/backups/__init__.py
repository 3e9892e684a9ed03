"""Backups of a whole hub: a consistent, portable dump of the database plus its blobs, and the
restore of one into an empty hub (see docs/operations.md)."""

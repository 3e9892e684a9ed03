"""downloads domain."""

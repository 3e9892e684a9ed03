"""uploads domain."""

"""interop domain."""

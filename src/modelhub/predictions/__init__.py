"""Run a published model on people's own images: sandboxed, queued fairly, kept for a while."""

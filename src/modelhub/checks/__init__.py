"""checks domain: automated checks of uploaded packages (the dynamic test runs sandboxed)."""

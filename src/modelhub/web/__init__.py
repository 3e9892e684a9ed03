"""Page plumbing: templates, JSON twins, error pages."""

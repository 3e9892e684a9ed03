"""Maintenance: what crashes leave behind, found (``fsck``) and removed (``gc``)."""

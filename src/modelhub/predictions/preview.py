"""A look at an image or a result: see ``modelhub.web.preview`` (shared with the catalog)."""

from modelhub.web.preview import planes, preview_png, stretch

__all__ = ["planes", "preview_png", "stretch"]

"""modelhub: a self-hostable repository of pretrained AI models for (bio)image analysis."""

__version__ = "0.1.0"

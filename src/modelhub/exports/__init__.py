"""The catalog in the bioimage.io shapes: ``collection.json`` and ``index.json``, kept up to date
one resource at a time by the events of publication (see ``reactions``)."""

"""Every address the exports name, built in one place from the hub's settings."""

from __future__ import annotations

from dataclasses import dataclass

from modelhub.config import Settings
from modelhub.links import Links


@dataclass(frozen=True)
class ExportUrls:
    """The public addresses of published files, packages and the hub's compatibility URLs."""

    links: Links

    @property
    def base(self) -> str:
        return self.links.base

    @property
    def key(self) -> str:
        """What the stored rows depend on: other addresses mean the rows must be rebuilt."""
        return f"{self.links.base} {self.links.files or ''}"

    def file(self, resource_id: str, label: str, path: str) -> str:
        return self.links.file(resource_id, label, path)

    def rdf(self, resource_id: str, label: str) -> str:
        return self.links.file(resource_id, label, "rdf.yaml")

    def package(self, resource_id: str, label: str) -> str:
        return self.links.package(resource_id, label)


def export_urls(settings: Settings) -> ExportUrls:
    """The addresses of the hub configured by ``settings`` (read at each use: the base URL may
    be set after the hub was built, as ``modelhub serve`` and the tests do)."""
    return ExportUrls(Links.of(settings))

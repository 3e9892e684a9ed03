"""A command group that imports a command's module only when that command runs.

Every ``modelhub`` command used to import every command module, and with them bioimageio.spec,
the job wiring and numpy: about two seconds of CPU before ``modelhub review queue`` sent its one
request. Here the group knows its commands by name and where they live; a command's module is
imported when the command is looked up (help lists them all, and so imports them all)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup


def function_command(name: str, module: str, attribute: str) -> Callable[[], Any]:
    """A loader of the command made of the function ``module.attribute``."""

    def load() -> Any:
        single = typer.Typer(add_completion=False)
        single.command(name)(getattr(import_module(module), attribute))
        return typer.main.get_command(single)

    return load


def group_command(name: str, module: str, attribute: str = "app") -> Callable[[], Any]:
    """A loader of the command group that is the typer app ``module.attribute``."""

    def load() -> Any:
        group = typer.main.get_group(getattr(import_module(module), attribute))
        group.name = name
        return group

    return load


class LazyCommands(MutableMapping[str, Any]):
    """Commands by name, each built by its loader at its first lookup; the names (and so their
    order, and the suggestions for a mistyped one) are known without importing anything."""

    def __init__(self, loaders: dict[str, Callable[[], Any]]) -> None:
        self._loaders = dict(loaders)
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self._loaders[name]()
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaders.setdefault(name, lambda: command)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaders[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)


def lazy_group(loaders: dict[str, Callable[[], Any]]) -> type[TyperGroup]:
    """A typer group class whose commands are ``loaders`` (name → loader), for
    ``typer.Typer(cls=...)``."""

    class LazyGroup(TyperGroup):
        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            self.commands = LazyCommands(loaders)

    return LazyGroup

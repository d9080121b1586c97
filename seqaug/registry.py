"""Name → (parameter schema, builder) registries for backbones, methods, augmenters.

A parameter schema is a pydantic model with a ``name`` literal; the experiment config
validates each section against the schema its ``name`` selects, so unknown keys and bad
values are reported with the key and the valid choices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

B = TypeVar("B", bound=Callable[..., Any])


class Section(BaseModel):
    """Base of every config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Entry(Generic[B]):
    name: str
    params: type[Section]
    build: B


class Registry(Generic[B]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[B]] = {}

    def register(self, name: str, params: type[Section]) -> Callable[[B], B]:
        """Decorator: ``@REGISTRY.register("sasrec", SASRecParams)`` on a builder."""

        def deco(build: B) -> B:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._entries[name] = Entry(name, params, build)
            return build

        return deco

    def get(self, name: str) -> Entry[B]:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; valid choices: {', '.join(self.names())}") from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def params_models(self) -> list[type[Section]]:
        return [self._entries[n].params for n in self.names()]

"""The kinds of status change, each declared as data on the one engine (changes.services)."""

from __future__ import annotations

from xueji.changes.kinds.base import Kind, Step

REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    REGISTRY[kind.key] = kind
    return kind


def kind_of(key: str) -> Kind:
    return REGISTRY[key]


__all__ = ["REGISTRY", "Kind", "Step", "kind_of", "register"]

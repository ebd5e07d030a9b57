"""The one list of kinds the engine carries. A new kind is a new package under changes/kinds/,
added here and to INSTALLED_APPS (its pages' templates and its own tables); nothing else changes."""

from __future__ import annotations

from xueji.changes.kinds.base import Kind
from xueji.changes.kinds.transfer.kind import TRANSFER

KINDS: dict[str, Kind] = {kind.key: kind for kind in (TRANSFER,)}


def kind_of(key: str) -> Kind:
    return KINDS[key]

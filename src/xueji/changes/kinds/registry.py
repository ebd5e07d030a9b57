"""The one list of kinds the engine carries. A new kind is a new package under changes/kinds/,
added here and to INSTALLED_APPS (its pages' templates and its own tables); nothing else changes."""

from __future__ import annotations

from xueji.changes.kinds.abroad.kind import ABROAD
from xueji.changes.kinds.abroad_return.kind import ABROAD_RETURN
from xueji.changes.kinds.base import Kind
from xueji.changes.kinds.death.kind import DEATH
from xueji.changes.kinds.dropout.kind import DROPOUT
from xueji.changes.kinds.dropout_return.kind import DROPOUT_RETURN
from xueji.changes.kinds.extension.kind import EXTENSION
from xueji.changes.kinds.found.kind import FOUND
from xueji.changes.kinds.information.kind import INFORMATION
from xueji.changes.kinds.missing.kind import MISSING
from xueji.changes.kinds.repetition.kind import REPETITION
from xueji.changes.kinds.resumption.kind import RESUMPTION
from xueji.changes.kinds.skip.kind import SKIP
from xueji.changes.kinds.suspension.kind import SUSPENSION
from xueji.changes.kinds.transfer.kind import TRANSFER
from xueji.changes.kinds.transfer_out.kind import TRANSFER_OUT

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        TRANSFER,
        SUSPENSION,
        EXTENSION,
        RESUMPTION,
        ABROAD,
        ABROAD_RETURN,
        TRANSFER_OUT,
        DROPOUT,
        DROPOUT_RETURN,
        REPETITION,
        SKIP,
        MISSING,
        FOUND,
        DEATH,
        INFORMATION,
    )
}


def kind_of(key: str) -> Kind:
    return KINDS[key]

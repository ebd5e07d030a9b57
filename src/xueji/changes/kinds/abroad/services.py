"""The start of a study abroad (R12.7): the schema checks the facts; the documents are checked at
submission."""

from __future__ import annotations

from xueji.changes.kinds.abroad.kind import ABROAD
from xueji.changes.kinds.own_student import Starter

STARTER = Starter(kind=ABROAD, statuses=ABROAD.for_statuses, need="只有在读学生可以办理出国（境）学习")
abroad_start = STARTER.start

"""The repeat year's start (R14.1): the schema checks the facts; the documents are checked at
submission."""

from __future__ import annotations

from xueji.changes.kinds.own_student import Starter
from xueji.changes.kinds.repetition.kind import REPETITION

STARTER = Starter(kind=REPETITION, statuses=REPETITION.for_statuses, need="只有在读学生可以申请留级")
repetition_start = STARTER.start

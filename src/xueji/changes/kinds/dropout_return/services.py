"""The return of a dropped-out student: the schema checks the facts; the grade is the one the
student left in."""

from __future__ import annotations

from xueji.changes.kinds.dropout_return.kind import DROPOUT_RETURN
from xueji.changes.kinds.own_student import Starter

STARTER = Starter(
    kind=DROPOUT_RETURN, statuses=DROPOUT_RETURN.for_statuses, need="只有辍学学生可以办理辍学学生复学"
)
dropout_return_start = STARTER.start

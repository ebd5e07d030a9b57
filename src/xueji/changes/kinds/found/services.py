"""The return of a missing student: the schema checks the facts; the grade is the one the student
left in."""

from __future__ import annotations

from xueji.changes.kinds.found.kind import FOUND
from xueji.changes.kinds.own_student import Starter

STARTER = Starter(kind=FOUND, statuses=FOUND.for_statuses, need="只有已报下落不明的学生可以办理返校")
found_start = STARTER.start

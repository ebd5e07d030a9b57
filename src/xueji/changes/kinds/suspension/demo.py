"""Demo suspensions (Art. 12, R12.2–R12.4) in every state, at 北关区红旗路小学 (hq), driven through
the services a user triggers (changes.kinds.demo_cases):

- hq_registrar: a draft and a returned one; hq_approver: one at 学校审核;
- bg_officer: one at the district's step; one rejected, closed; one completed;
- the urging list (休学复学督促): a suspension ending within the warning days, two that ended
  without resumption (one already urged, its follow-up logged).

The other kinds of the family start from a suspended student too: ``suspended`` makes one for
them (extension, resumption).

Dates are relative to the seed's "today": suspensions that are to be near or past their end were
approved a year ago (the clock is set back for those calls and restored after them, demo_files.on),
with the ground "other special reasons", which needs no semester of that year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from xueji.changes import services as engine
from xueji.changes.kinds.demo_cases import GUARDIAN, SchoolCases, student_of
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.suspension.kind import SUSPENSION
from xueji.changes.kinds.suspension.services import suspension_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User
from xueji.org.selectors import semester_of
from xueji.students import services as student_services
from xueji.students.models import FollowUp

if TYPE_CHECKING:
    from xueji.demo.people import People

ILLNESS_REASON = "因肺炎住院治疗，医嘱出院后休养三个月"
OTHER_REASON = "家庭变故，监护人申请暂停学业一年"


def suspension(s: SchoolCases, *, starts_on: dt.date | None = None, illness: bool = True) -> Case:
    """A suspension started by the registrar for the next free student (a draft)."""
    starts_on = starts_on or s.today
    semester = semester_of(starts_on)
    if illness and semester is not None:
        facts: dict[str, Any] = {
            "ground": "illness",
            # Treated since the term began: the whole term, whatever day the demo runs on.
            "absence_from": semester.start.isoformat(),
            "absence_to": semester.end.isoformat(),
            "reason": ILLNESS_REASON,
        }
    else:  # no semester that day (the holidays), or a reason the demo keeps simple
        facts = {"ground": "other", "reason": OTHER_REASON}
    facts.update(starts_on=starts_on.isoformat(), guardian_name=GUARDIAN)
    return suspension_start(actor=s.registrar, student=s.student(), facts=facts)


def suspended(s: SchoolCases, *, ago_days: int) -> Case:
    """A suspension approved when it started, ``ago_days`` ago: its year ends 365 − ago_days days
    from today (negative: it has ended). Its student is 休学 from then."""
    started = s.today - dt.timedelta(days=ago_days)
    with on(started):
        return s.to(suspension(s, starts_on=started, illness=False), "")


def _follow_up(s: SchoolCases, case: Case, days_ago: int) -> None:
    student_services.follow_up_record(
        actor=s.registrar,
        student=student_of(case),
        kind=FollowUp.Kind.URGE,
        on=s.today - dt.timedelta(days=days_ago),
        who="张丽娟（班主任陪同）",
        way=FollowUp.Way.VISIT,
        result="上门家访，家长表示孩子仍需休养，将于下月申请延长休学。",
    )


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo suspensions; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools)
        try:
            made["suspension_draft"] = suspension(s)
            made["suspension_returned"] = engine.case_return(
                actor=s.approver,
                case=s.to(suspension(s), "school"),
                comment="住院病历缺少医院盖章，请补充。",
            )
            made["suspension_school"] = s.to(suspension(s), "school")
            made["suspension_district"] = s.to(suspension(s), "district")
            made["suspension_rejected"] = engine.case_reject(
                actor=s.officer,
                case=s.to(suspension(s, illness=False), "district"),
                reason="所附材料不能证明存在无法到校的特殊情况，请学校与监护人沟通后再行申请。",
            )
            made["suspension_completed"] = s.to(suspension(s), "")
            made["ending_soon"] = suspended(s, ago_days=365 - 20)
            ended = suspended(s, ago_days=365 + 45)
            _follow_up(s, ended, days_ago=12)
            made["ended_urged"] = ended
            made["ended"] = suspended(s, ago_days=365 + 20)
        except StopIteration:
            say(f"  演示{SUSPENSION.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{SUSPENSION.label}事项 ({len(made)} demo suspensions)")
    return made

"""The transfer between schools (Art. 10, 11; RULES.md R10.1–R10.11, R11.1), declared as steps.

Chain (R10.5, the provincial platform's order): the transfer-in school prepares the case → the
district files it on the Tuesday batch (R10.4) → transfer-in school review → transfer-in bureau →
transfer-out school → transfer-out bureau. One bureau supervising both schools acts once, last; a
school in another province is an external party whose decision the district officer records.
Every step after filing has 10 working days from the day it became that party's turn (R10.7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from xueji.changes.kinds import register
from xueji.changes.kinds.base import Kind, Party, Step
from xueji.core.errors import RuleViolation
from xueji.org.models import Role

GROUNDS = {  # R10.1
    "household_moved": "随父母或其他法定监护人户籍迁移",
    "preferential": "符合优抚政策",
    "migrant_child": "进城务工人员随迁子女到流入地就学",
}
NATURES = {"returning": "返市生", "migrant": "进城务工子女", "other": "其他"}  # R10.3
SCOPES = {"intra_province": "省内转学", "cross_province": "跨省转学"}

# Evidence each ground and nature needs, as defaults the district may change in settings
# (XUEJI["TRANSFER_EVIDENCE"]). Never a 学籍证明: records are verified online (R10.6).
DEFAULT_EVIDENCE = {
    "always": {"transfer_application": "监护人转学申请"},
    "household_moved": {"household_migration": "户籍迁移证明"},
    "preferential": {"preferential_certificate": "优抚政策证明"},
    "migrant_child": {"residence_proof": "居住证明", "parents_work_proof": "父母务工证明"},
    "returning": {"household_register": "户口簿"},
    "migrant": {"residence_proof": "居住证明", "parents_work_proof": "父母务工证明"},
    "other": {},
    "external_confirmation": {"external_confirmation": "外省转出确认材料"},
}
DOCUMENT_LABELS = {code: label for group in DEFAULT_EVIDENCE.values() for code, label in group.items()}

STEP_DAYS = 10  # R10.7: each party's step, in working days


def evidence_table() -> Mapping[str, Mapping[str, str]]:
    return settings.XUEJI.get("TRANSFER_EVIDENCE") or DEFAULT_EVIDENCE


def start_evidence(facts: Mapping[str, Any]) -> dict[str, str]:
    """What the transfer-in school needs before it can file the case (R10.2, R10.3)."""
    table = evidence_table()
    needed: dict[str, str] = dict(table.get("always", {}))
    needed.update(table.get(facts.get("grounds", ""), {}))
    needed.update(table.get(facts.get("nature", ""), {}))
    return needed


def filing_day(ready: dt.date, district: Any) -> tuple[dt.date, bool, str]:
    """R10.4: filings are collected on Tuesdays; a Tuesday that is no working day moves on to the
    next working day. A case ready on a Tuesday joins that day's batch."""
    from xueji.core.calendar import first_working_day_from

    tuesday = ready + dt.timedelta(days=(1 - ready.weekday()) % 7)
    day = first_working_day_from(tuesday, district=district)
    return day.date, day.provisional, day.warning


SCHOOL_STAFF = (Role.SCHOOL_APPROVER,)
OFFICER = (Role.DISTRICT_OFFICER,)

PREPARE = Step(
    "prepare",
    "转入学校受理（核验、审验材料）",
    Party.SCHOOL,
    (Role.REGISTRAR,),
    evidence=start_evidence,
    action_label="提交备案",
)
FILING = Step(
    "filing",
    "区教育局备案（每周二汇总）",
    Party.SCHOOL_BUREAU,
    OFFICER,
    due=filing_day,
    action_label="同意备案",
)
IN_SCHOOL = Step("in_school", "转入学校审核", Party.SCHOOL, SCHOOL_STAFF, working_days=STEP_DAYS)
IN_BUREAU = Step("in_bureau", "转入地教育局审核", Party.SCHOOL_BUREAU, OFFICER, working_days=STEP_DAYS)
OUT_SCHOOL = Step("out_school", "转出学校核办", Party.OTHER_SCHOOL, SCHOOL_STAFF, working_days=STEP_DAYS)
OUT_BUREAU = Step("out_bureau", "转出地教育局审核", Party.OTHER_BUREAU, OFFICER, working_days=STEP_DAYS)
ONE_BUREAU = Step(
    "bureau", "区教育局审核（转入转出同属本局）", Party.SCHOOL_BUREAU, OFFICER, working_days=STEP_DAYS
)
EXTERNAL = Step(
    "external",
    "外省转出方确认（省级交换，由区教育局据材料登记）",
    Party.EXTERNAL,
    OFFICER,
    working_days=STEP_DAYS,
    evidence=lambda facts: dict(evidence_table().get("external_confirmation", {})),
    action_label="登记外省已确认",
)


class Transfer(Kind):
    key = "transfer"
    label = "转学"
    number_prefix = "ZX"
    rules = ("R10.5", "R10.7")

    def steps(self, case: Any) -> list[Step]:
        head = [PREPARE, FILING, IN_SCHOOL]
        if case.other_school is None:  # the transfer-out school is outside this deployment
            return [*head, IN_BUREAU, EXTERNAL]
        if case.other_school.district_id == case.school.district_id:
            return [*head, OUT_SCHOOL, ONE_BUREAU]
        return [*head, IN_BUREAU, OUT_SCHOOL, OUT_BUREAU]

    def check_submit(self, case: Any) -> None:
        # R10.9: within Beiguan, only with a district officer's recorded exception.
        if case.facts.get("needs_exception") and not case.facts.get("exception"):
            raise RuleViolation(
                rule="R10.9",
                code="within_district",
                field="school",
                message=(
                    "为防止择校和大班额，北关区区域内学校原则上不转学（第十条第五款）。"
                    "确有特殊情况的，须由区教育局学籍干部登记例外理由后才能提交备案。"
                ),
            )

    def on_complete(self, case: Any, actor: Any) -> None:
        from xueji.changes.transfer import transfer_complete

        transfer_complete(case=case, actor=actor)


TRANSFER = register(Transfer())

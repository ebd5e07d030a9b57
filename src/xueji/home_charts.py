"""The home pages' charts (ECharts, vendored): students by grade and status, status changes by
kind and month, late steps by school. Each chart is data the server writes (an ECharts option,
no code), a sentence that says what it shows for screen readers and a quick reader, and its table
one click away — the figures never live only in a picture."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from xueji.changes import selectors as change_selectors
from xueji.changes.kinds.registry import KINDS
from xueji.core import clock
from xueji.core.codes import GRADE_NAMES
from xueji.students import selectors as student_selectors
from xueji.students.models import Enrollment

PALETTE = ["#2e75b6", "#d97706", "#2f855a", "#c0392b", "#6b46c1", "#0f766e", "#9c4221", "#4a5568"]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    summary: str
    headers: list[str]
    rows: list[list[Any]]
    option: dict[str, Any]

    @property
    def option_json(self) -> str:
        return json.dumps(self.option, ensure_ascii=False)


def _bar(categories: list[str], series: dict[str, list[int]], *, horizontal: bool = False) -> dict[str, Any]:
    axis_cat = {"type": "category", "data": categories, "axisLabel": {"interval": 0, "hideOverlap": True}}
    axis_val = {"type": "value", "minInterval": 1}
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": axis_val if horizontal else axis_cat,
        "yAxis": axis_cat if horizontal else axis_val,
        "series": [
            {"name": name, "type": "bar", "stack": "all", "data": data} for name, data in series.items()
        ],
    }


def students_by_grade_and_status(user: Any) -> Chart | None:
    counts = student_selectors.counts_by_grade_and_status(requested_by=user)
    if not counts:
        return None
    grades = sorted({g for g, _ in counts})
    statuses = [
        (code, label) for code, label in Enrollment.Status.choices if any(s == code for _, s in counts)
    ]
    series = {str(label): [counts.get((g, code), 0) for g in grades] for code, label in statuses}
    total = sum(counts.values())
    per_grade = "，".join(
        f"{GRADE_NAMES[g]} {sum(counts.get((g, c), 0) for c, _ in statuses)} 人" for g in grades
    )
    per_status = "，".join(f"{label} {sum(v)} 人" for label, v in series.items())
    return Chart(
        "students",
        "在籍学生（按年级、学籍状态）",
        f"共 {total} 名学生。按年级：{per_grade}。按学籍状态：{per_status}。",
        ["年级", *series],
        [[GRADE_NAMES[g], *(series[k][i] for k in series)] for i, g in enumerate(grades)],
        _bar([GRADE_NAMES[g] for g in grades], series),
    )


def _last_months(today: dt.date, n: int) -> list[str]:
    months, day = [], today.replace(day=1)
    for _ in range(n):
        months.append(f"{day:%Y-%m}")
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


def changes_by_kind_and_month(user: Any) -> Chart | None:
    counts = change_selectors.counts_by_kind_and_month(requested_by=user)
    if not counts:
        return None
    months = _last_months(clock.today(), 12)
    kinds = [k for k in KINDS.values() if any(kind == k.key for kind, _ in counts)]
    series = {k.label: [counts.get((k.key, m), 0) for m in months] for k in kinds}
    labels = [f"{int(m[5:])}月" for m in months]
    per_kind = "，".join(f"{label} {sum(v)} 件" for label, v in series.items())
    busiest = max(range(len(months)), key=lambda i: sum(v[i] for v in series.values()))
    return Chart(
        "changes",
        "学籍变动（近 12 个月，按类型）",
        f"近 12 个月共发起学籍变动 {sum(counts.values())} 件：{per_kind}。最多的是 {months[busiest]}。",
        ["月份", *series],
        [[m, *(series[k][i] for k in series)] for i, m in enumerate(months)],
        _bar(labels, series),
    )


def late_steps_by_school(user: Any) -> Chart | None:
    rows = change_selectors.late_by_owner(requested_by=user)[:15]
    if not rows:
        return None
    units = [r["unit"] for r in rows][::-1]  # the most late at the top of a horizontal chart
    counts = [r["n"] for r in rows][::-1]
    return Chart(
        "late",
        "逾期的学籍变动环节（按办理单位）",
        f"共 {sum(counts)} 个环节已逾期，最多的是{rows[0]['unit']}（{rows[0]['n']} 个）。",
        ["办理单位", "逾期环节"],
        [[r["unit"], r["n"]] for r in rows],
        _bar(units, {"逾期环节": counts}, horizontal=True),
    )


def for_home(user: Any) -> list[Chart]:
    made = [students_by_grade_and_status(user), changes_by_kind_and_month(user)]
    if user.is_district_user:
        made.append(late_steps_by_school(user))
    return [chart for chart in made if chart is not None]

"""R5.1: when a record is complete — the national form's fields (category 一, judged by
``rules.missing_fields``) and the entry evidence the district requires (category 二).

Two stored flags keep the lists fast: ``form_complete`` is judged by the writers from the record
itself; ``is_complete`` adds the evidence and is what the overdue lists read. The evidence part is
set-based (``refresh``), so a district that changes what it requires recomputes its whole
district in a few statements, not one per student.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.forms.models import model_to_dict

from xueji.org.models import Jurisdiction
from xueji.org.policy import Limit
from xueji.students import rules
from xueji.students.models import Enrollment, Evidence, Student


def _district_changed(jurisdiction: Jurisdiction) -> None:
    refresh(
        Student.objects.filter(
            enrollments__is_current=True,
            enrollments__school__district__code__startswith=jurisdiction.scope_prefix,
        )
    )


# The proofs a complete record holds, set by the district: the household proof by default (R6.1:
# no record from false information), the others when the district asks. The keys are those the
# archive page has read since decision 0037.
EVIDENCE_NEEDS = {
    code: Limit(
        f"archive.needs_evidence.{code}",
        f"完整档案须有「{label}」",
        "（1 须有，0 不要求）",
        "R5.1",
        default,
        0,
        1,
        on_change=_district_changed,
    )
    for code, label, default in (
        (Evidence.Category.HOUSEHOLD, "户口簿/户籍证明", 1),
        (Evidence.Category.BIRTH, "出生医学证明", 0),
        (Evidence.Category.ID_CARD, "身份证件", 0),
    )
}


def required(district: Any) -> list[str]:
    """The evidence categories a record in ``district`` must hold."""
    return [code for code, limit in EVIDENCE_NEEDS.items() if limit.value(district) == 1]


def evidence_missing(categories: Iterable[str], district: Any) -> list[str]:
    """Labels of the required proofs not among ``categories`` (those the student holds)."""
    held = set(categories)
    return [str(Evidence.Category(code).label) for code in required(district) if code not in held]


def missing(student: Student, family: Iterable[Any], categories: Iterable[str], district: Any) -> list[str]:
    """Everything the record still lacks, as a registrar reads it: the fields, then the proofs
    (``categories``: those of the evidence the student holds)."""
    lacking = rules.missing_fields(model_to_dict(student), [model_to_dict(m) for m in family])
    return lacking + [f"佐证材料「{label}」" for label in evidence_missing(categories, district)]


def judge(student: Student, district: Any) -> None:
    """Set ``student.is_complete`` (unsaved) from its ``form_complete`` and the proofs it holds."""
    needs = required(district)
    if not student.form_complete or not needs:
        student.is_complete = student.form_complete
        return
    held = set(
        Evidence.objects.filter(student=student, category__in=needs).values_list("category", flat=True)
    )
    student.is_complete = held >= set(needs)


def refresh(students: QuerySet[Student]) -> int:
    """Recompute ``is_complete`` for ``students``: one query for their districts, then one UPDATE
    per distinct set of required proofs. Returns the number of rows written."""
    district_ids = set(
        Enrollment.objects.filter(is_current=True, student__in=students.values("pk")).values_list(
            "school__district", flat=True
        )
    )
    groups: dict[tuple[str, ...], list[int]] = {}
    for district in Jurisdiction.objects.filter(pk__in=district_ids):
        groups.setdefault(tuple(required(district)), []).append(district.pk)
    written = 0
    for needs, districts in groups.items():
        complete = Q(form_complete=True)
        for code in needs:
            complete &= Q(Exists(Evidence.objects.filter(student=OuterRef("pk"), category=code)))
        judged = ExpressionWrapper(complete, output_field=BooleanField())
        # Only the rows whose flag changes: a district switching a proof off rewrites the few
        # records it completes, not its million (each rewritten row costs its indexes too).
        written += (
            Student.objects.filter(
                pk__in=students.values("pk"),
                enrollments__is_current=True,
                enrollments__school__district__in=districts,
            )
            .alias(judged=judged)
            .exclude(is_complete=F("judged"))
            .update(is_complete=judged)
        )
    return written

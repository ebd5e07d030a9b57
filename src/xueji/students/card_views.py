"""The 学籍卡 prints (R7.3, R21.1): one student's card from the record, a class's cards in one PDF
for the school's paper archive. The school's own print: logged per student, watermarked with who
printed it, no export request; the full ID numbers only for the registrar keeping the archive."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from xueji.audit import actions
from xueji.audit.services import audit_record_many
from xueji.core import clock
from xueji.core.web import AuthenticatedRequest, route
from xueji.org import selectors as org_selectors
from xueji.org.models import Role, User
from xueji.students import hooks, selectors
from xueji.students.card_printing import CardChange, record_cards_pdf
from xueji.students.models import Student


def _pdf(user: User, students: list[Student], name: str) -> HttpResponse:
    changes = {
        pk: [CardChange(number=n, kind=k, closed_on=c, platform=p) for n, k, c, p in rows]
        for pk, rows in hooks.completed_changes(user, [s.pk for s in students]).items()
    }
    with transaction.atomic():  # R21.1: one access row per student printed
        audit_record_many(
            actor=user,
            school=user.school,
            events=[
                {"action": actions.STUDENT_CARD_PRINT, "subject": s, "rules": ["R21.1", "R7.3"], "note": name}
                for s in students
            ],
        )
    now = timezone.localtime(clock.now())
    ids = [s.pk for s in students]
    content = record_cards_pdf(
        students=students,
        changes=changes,
        records={pk: part.get("records", []) for pk, part in hooks.snapshot_parts(ids).items()},
        full_ids=user.role == Role.REGISTRAR,
        printed_by=f"{user.full_name or user.username}（{user.unit_name}）",
        printed_at=f"{now:%Y-%m-%d %H:%M}",
    )
    response = HttpResponse(content, content_type="application/pdf")
    disposition = content_disposition_header(False, f"{name}.pdf")
    assert disposition is not None  # None only without a file name
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route("students:card")
def card(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One student's 学籍卡, for a school user of the student's current school."""
    user = request.user
    students = selectors.card_students(requested_by=user, pk=pk)
    if not students:  # not a current student of the user's school (the scope says so)
        raise Http404
    return _pdf(user, students, f"学籍卡-{students[0].name}")


@route("students:class_cards")
def class_cards(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The 学籍卡 of every current student of one class of the user's school, in one PDF."""
    user = request.user
    if user.school is None:
        raise Http404
    school_class = org_selectors.class_list(requested_by=user, school=user.school).filter(pk=pk).first()
    if school_class is None:
        raise Http404
    students = selectors.card_students(requested_by=user, school_class=school_class)
    return _pdf(user, students, f"学籍卡-{school_class.name}")

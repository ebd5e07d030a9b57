"""R21.1 (等保): the audit log is tamper-evident. Committed rows are sealed in id ranges, each seal
hashing its rows and the seal before; verification finds a row changed, removed or added inside a
sealed range, a seal rewritten or removed (the newest one against the digest the daily run printed),
and says so in words."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from xueji.audit.models import AuditEvent, AuditSeal
from xueji.audit.seal_services import SEAL_MARGIN, audit_seal, seals_verify
from xueji.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def as_the_tables_owner(db):
    """On PostgreSQL the audit tables refuse UPDATE and DELETE (0005): these tests tamper as an
    intruder holding the owner's rights would, by turning the triggers off first. The test's
    transaction rolls the ALTER back."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("audit_auditevent", "audit_auditseal"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


def _events(world, n: int, *, minutes_ago: int = 60) -> list[AuditEvent]:
    made = [
        AuditEvent.objects.create(
            actor=world.registrar_a,
            action="student.update",
            subject_type="Student",
            subject_id=str(i),
            school=world.school_a,
            district_code="410503",
            changes={"phone": ["138****5678", "139****1234"]},
            rules=["R2.3"],
            note=f"第 {i} 次",
        )
        for i in range(n)
    ]
    AuditEvent.objects.filter(pk__in=[e.pk for e in made]).update(
        at=clock.now() - dt.timedelta(minutes=minutes_ago)
    )
    return made


def test_r21_1_rows_are_sealed_in_chained_ranges_leaving_the_newest_for_later(world):
    old = _events(world, 5)
    fresh = _events(world, 2, minutes_ago=1)  # may still have company from an open transaction
    first = audit_seal()
    assert (first.first_id <= old[0].pk, first.last_id, first.rows) == (True, old[-1].pk, 5)
    assert audit_seal() is None  # nothing old enough since
    AuditEvent.objects.filter(pk__in=[e.pk for e in fresh]).update(
        at=clock.now() - SEAL_MARGIN - dt.timedelta(seconds=1)
    )
    second = audit_seal()
    assert (second.first_id, second.rows, second.previous_sha256) == (old[-1].pk + 1, 2, first.sha256)
    result = seals_verify(expect=second.sha256)
    assert result.intact and (result.seals, result.rows, result.newest) == (2, 7, second.sha256)


def test_r21_1_a_changed_row_is_found(world):
    events = _events(world, 3)
    audit_seal()
    AuditEvent.objects.filter(pk=events[1].pk).update(note="改过的说明")
    [problem] = seals_verify().problems
    assert "有记录的内容在封存后被改动" in problem and f"–{events[-1].pk} 条" in problem


def test_r21_1_a_removed_row_is_found_even_the_newest(world):
    events = _events(world, 3)
    audit_seal()
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    [problem] = seals_verify().problems
    assert "现有 2 条，封存时 3 条，少了 1 条" in problem


def test_r21_1_a_row_slipped_into_a_sealed_range_is_found(world):
    events = _events(world, 3)
    AuditEvent.objects.filter(pk=events[1].pk).delete()  # a gap, as a rolled-back transaction leaves
    audit_seal()
    AuditEvent.objects.create(
        id=events[1].pk, actor=None, action="student.update", subject_type="Student", subject_id="x"
    )
    assert "多了 1 条" in seals_verify().problems[0]


def test_r21_1_a_removed_or_rewritten_newest_seal_is_found_against_the_printed_digest(world):
    _events(world, 2)
    first = audit_seal()
    _events(world, 2)
    newest = audit_seal()
    assert seals_verify(expect=newest.sha256).intact
    AuditSeal.objects.filter(pk=newest.pk).delete()
    problems = seals_verify(expect=newest.sha256).problems
    assert problems and "与日志中打印的" in problems[0] and first.sha256[:16] in problems[0]


def test_r21_1_a_seal_rewritten_to_match_a_changed_row_breaks_the_chain(world):
    events = _events(world, 2)
    audit_seal()
    _events(world, 2)
    audit_seal()
    AuditEvent.objects.filter(pk=events[0].pk).update(note="改过")
    AuditSeal.objects.filter(pk=AuditSeal.objects.order_by("last_id").first().pk).update(rows_sha256="0" * 64)
    problems = seals_verify().problems
    assert any("封存记录本身被改动" in p for p in problems)


def test_r21_1_the_commands_and_the_daily_run(world):
    _events(world, 4)
    out = io.StringIO()
    call_command("daily", stdout=out)
    digest = AuditSeal.objects.get().sha256
    assert f"最新封存摘要 {digest}" in out.getvalue()
    verified = io.StringIO()
    call_command("audit", "verify", "--expect", digest, stdout=verified)
    assert "审计日志完好：1 次封存、4 条记录" in verified.getvalue()
    AuditEvent.objects.filter(pk=AuditEvent.objects.order_by("pk").first().pk).update(action="changed")
    with pytest.raises(CommandError, match="核验未通过"):
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())

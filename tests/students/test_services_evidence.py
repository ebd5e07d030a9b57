"""evidence_attach (R6.1): PDF/JPEG/PNG by content, at most 10 MB, stored outside the web root."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from tests.conftest import clear_audit
from tests.factories import enrollment_payload, student_payload
from xueji.audit.models import AuditEvent
from xueji.core import evidence
from xueji.core.errors import RuleViolation
from xueji.students.models import Evidence
from xueji.students.services import evidence_attach, student_register

TEN_MB = 10 * 1024 * 1024
PDF = b"%PDF-1.7\n"
JPEG = b"\xff\xd8\xff\xe0"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def student(world):
    registered = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(),
        enrollment=enrollment_payload(),
    )
    clear_audit()
    return registered


def attach(world, student, data: bytes, name: str = "户口簿.pdf", actor=None, category="household"):
    return evidence_attach(
        actor=actor or world.registrar_a,
        student=student,
        file=io.BytesIO(data),
        original_name=name,
        category=category,
    )


def refused(code: str, world, student, data: bytes, name: str = "户口簿.pdf") -> None:
    with pytest.raises(RuleViolation) as exc:
        attach(world, student, data, name)
    assert (exc.value.rule, exc.value.code, exc.value.field) == ("R6.1", code, "file")
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("head", "content_type"), [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png")]
)
def test_r6_1_pdf_jpeg_png_accepted_by_content(world, student, head, content_type):
    data = head + b"scan" * 100
    item = attach(world, student, data, name="scan.bin")
    assert (item.content_type, item.size, item.sha256) == (
        content_type,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert item.uploaded_by == world.registrar_a


def test_r6_1_file_stored_under_evidence_dir_not_static_root(world, student):
    item = attach(world, student, PDF + b"x")
    path = evidence.path_of(item.storage_name)
    assert path.read_bytes() == PDF + b"x"
    assert path.is_relative_to(Path(settings.EVIDENCE_DIR))
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert item.storage_name != item.original_name


def test_r6_1_attach_writes_one_audit_event(world, student):
    item = attach(world, student, PNG + b"x")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.school) == ("evidence.attach", world.registrar_a, world.school_a)
    assert event.changes == {"evidence": [None, item.pk], "sha256": [None, item.sha256]}


def test_r6_1_text_file_named_pdf_refused(world, student):
    refused("evidence_type", world, student, b"just some text pretending to be a PDF")


def test_r6_1_exactly_10_mb_accepted(world, student):
    assert attach(world, student, PDF + b"0" * (TEN_MB - len(PDF))).size == TEN_MB


def test_r6_1_10_mb_plus_one_byte_refused(world, student):
    refused("evidence_too_large", world, student, PDF + b"0" * (TEN_MB + 1 - len(PDF)))


def test_r6_1_empty_file_refused(world, student):
    refused("evidence_empty", world, student, b"")


def test_r6_1_unknown_category_refused(world, student):
    with pytest.raises(RuleViolation) as exc:
        attach(world, student, PDF, category="selfie")
    assert exc.value.field == "category"
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("persona", ["registrar_c", "approver_a", "officer"])
def test_r2_2_only_the_schools_registrar_attaches(world, student, persona):
    with pytest.raises(PermissionDenied):
        attach(world, student, PDF, actor=getattr(world, persona))
    assert not Evidence.objects.exists()

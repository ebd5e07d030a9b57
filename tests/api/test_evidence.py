"""Evidence files through the API: upload checked by content, download as an attachment (R6.1)."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import API
from xueji.students.models import Evidence
from xueji.students.services import evidence_attach


def png_bytes() -> bytes:
    """A real 1×1 grey PNG, built here so the test needs no binary fixture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _upload(
    client, student_id: int, name: str, data: bytes, category: str = "birth", content_type: str = "image/png"
):
    form = {
        "file": SimpleUploadedFile(name, data, content_type=content_type),
        "category": category,
        "description": "原件扫描",
    }
    return client.post(f"{API}/students/{student_id}/evidence", form)


def test_r6_1_upload_answers_201_with_digest(world, api_as, pupil_a):
    data = png_bytes()

    response = _upload(api_as(world.registrar_a), pupil_a.pk, "出生医学证明.png", data)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["category"] == "birth"
    assert body["original_name"] == "出生医学证明.png"
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["content_type"] == "image/png"
    assert Evidence.objects.get(pk=body["id"]).uploaded_by == world.registrar_a


def test_r6_1_text_renamed_to_pdf_is_422(world, api_as, pupil_a):
    response = _upload(
        api_as(world.registrar_a),
        pupil_a.pk,
        "户口簿.pdf",
        b"just some text\n",
        content_type="application/pdf",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "evidence_type"
    assert response.json()["rule"] == "R6.1"
    assert not Evidence.objects.exists()


def test_r6_1_unknown_category_is_422(world, api_as, pupil_a):
    response = _upload(api_as(world.registrar_a), pupil_a.pk, "a.pdf", PDF, category="selfie")

    assert response.status_code == 422
    assert response.json()["field"] == "category"


def test_upload_without_a_file_is_422(world, api_as, pupil_a):
    response = api_as(world.registrar_a).post(f"{API}/students/{pupil_a.pk}/evidence", {"category": "birth"})

    assert response.status_code == 422
    assert response.json()["field"] == "file"


def test_r6_1_download_returns_the_same_bytes_as_an_attachment(world, api_as, pupil_a):
    client = api_as(world.registrar_a)
    uploaded = _upload(client, pupil_a.pk, "户口簿 第1页.pdf", PDF, category="household").json()

    response = client.get(f"{API}/students/{pupil_a.pk}/evidence/{uploaded['id']}/download")

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == PDF
    assert hashlib.sha256(content).hexdigest() == uploaded["sha256"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E6%88%B7%E5%8F%A3%E7%B0%BF" in disposition


def test_evidence_list_for_readers_of_the_school(world, api_as, pupil_a):
    _upload(api_as(world.registrar_a), pupil_a.pk, "a.png", png_bytes())

    response = api_as(world.approver_a).get(f"{API}/students/{pupil_a.pk}/evidence")

    assert response.status_code == 200
    [item] = response.json()
    assert item["original_name"] == "a.png"
    assert item["uploaded_by"] == "张老师"
    assert item["category_label"] == "出生医学证明"


@pytest.mark.parametrize("persona", ["approver_a", "officer"])
def test_r2_2_readers_cannot_upload(world, api_as, pupil_a, persona):
    response = _upload(api_as(getattr(world, persona)), pupil_a.pk, "a.png", png_bytes())

    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_r2_2_other_school_evidence_is_404_like_a_missing_one(world, api_as, pupil_a, pupil_c):
    theirs = evidence_attach(
        actor=world.registrar_c,
        student=pupil_c,
        file=io.BytesIO(PDF),
        original_name="c.pdf",
        category="birth",
    )
    ours = evidence_attach(
        actor=world.registrar_a,
        student=pupil_a,
        file=io.BytesIO(PDF),
        original_name="a.pdf",
        category="birth",
    )
    client = api_as(world.registrar_a)

    answers = [
        client.get(f"{API}/students/{pupil_c.pk}/evidence/{theirs.pk}/download"),
        client.get(f"{API}/students/{pupil_a.pk}/evidence/{theirs.pk}/download"),  # someone else's file
        client.get(f"{API}/students/{pupil_c.pk}/evidence/{ours.pk}/download"),  # our file, wrong student
        client.get(f"{API}/students/{pupil_a.pk}/evidence/{ours.pk + 100}/download"),
        client.get(f"{API}/students/{pupil_c.pk}/evidence"),
    ]

    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1


def test_download_of_a_lost_file_is_404_not_500(world, api_as, pupil_a, evidence_dir):
    item = evidence_attach(
        actor=world.registrar_a,
        student=pupil_a,
        file=io.BytesIO(PDF),
        original_name="a.pdf",
        category="birth",
    )
    for path in evidence_dir.rglob("*.pdf"):
        path.unlink()

    response = api_as(world.registrar_a).get(f"{API}/students/{pupil_a.pk}/evidence/{item.pk}/download")

    assert response.status_code == 404

"""Imports cannot exhaust the machine (R2.3, R21.1): what a workbook or a ZIP of scans says it
holds is checked before anything is unpacked — the total, each part's compression ratio, a sheet's
declared dimensions — and refused in words within moments."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from xueji.core.errors import RuleViolation
from xueji.exchange import evidence_import_services, reader


def _xlsx(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_r2_3_a_highly_compressed_sheet_is_refused_before_unpacking():
    bomb = _xlsx({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"0" * (40 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024  # tens of megabytes in a few kilobytes
    started = time.perf_counter()
    with pytest.raises(RuleViolation) as refused:
        reader.read_workbook(bomb)
    assert refused.value.code == "too_large" and "压缩比异常" in refused.value.message
    assert time.perf_counter() - started < 2


def test_r2_3_a_sheet_declaring_a_million_rows_is_refused():
    sheet = b'<?xml version="1.0"?><worksheet><dimension ref="A1:AZ1048576"/><sheetData/></worksheet>'
    workbook = _xlsx({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(RuleViolation) as refused:
        reader.read_workbook(workbook)
    assert "1,048,576 行" in refused.value.message


def test_r2_3_the_real_template_passes_the_checks():
    from xueji.exchange import layouts, workbooks

    out = io.BytesIO()
    workbooks.write_template(layouts.NEW_STUDENTS, out)
    reader._check_unpacked(out.getvalue())  # no refusal


@pytest.mark.django_db
def test_r6_1_a_zip_of_scans_too_large_unpacked_is_refused_before_reading(world, monkeypatch):
    monkeypatch.setattr(evidence_import_services, "MAX_TOTAL_BYTES", 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("G1.pdf", b"%PDF-1.4 " + b"0" * 2048)
    buffer.seek(0)
    with pytest.raises(RuleViolation, match="解压后超过"):
        evidence_import_services.evidence_import(
            actor=world.registrar_a, school=world.school_a, upload=buffer, category="household"
        )

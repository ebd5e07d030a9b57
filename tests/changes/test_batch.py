"""The 《转学备案汇总表》 as PDF and Excel (R10.4), masked (R21.1), never a formula.

The files are read back without extra libraries: the PDF's content streams are inflated and their
text strings decoded (the CID font writes UTF-16BE), the .xlsx is a zip of XML.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import zipfile
import zlib
from io import BytesIO
from xml.etree import ElementTree

import pytest

from tests.changes.conftest import START_EVIDENCE, attach, pupil, start
from xueji.changes.kinds.transfer.batch import COLUMNS, batch_pdf, batch_xlsx
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.changes.models import Case
from xueji.core.identity import mask_id_number

FILING_DAY = dt.date(2026, 9, 15)
INJECTION = '=HYPERLINK("http://x")'
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def fetched(*cases: Case) -> list[Case]:
    """The cases as the batch page hands them over: related rows and documents fetched up front."""
    return list(
        Case.objects.filter(pk__in=[c.pk for c in cases])
        .select_related("student", "school", "other_school")
        .prefetch_related("documents")
        .order_by("number")
    )


# --------------------------------------------------------------------------- readers


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    simple = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(literal):
        ch = literal[i]
        if ch != 0x5C:  # backslash
            out.append(ch)
            i += 1
            continue
        nxt = literal[i + 1]
        if 0x30 <= nxt <= 0x37:  # up to three octal digits
            digits = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4]).group()
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        else:
            out.append(simple.get(nxt, nxt))
            i += 2
    return bytes(out)


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page's content stream, in page order."""
    pages = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1).strip().removesuffix(b"~>")
        content = zlib.decompress(base64.a85decode(raw))
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S)
        pages.append("".join(_unescape(s).decode("utf-16-be", "replace") for s in strings))
    return pages


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def xlsx_read(data: bytes) -> tuple[list[list[str]], str, str]:
    """(rows of cell texts, the sheet's XML, the workbook's XML)."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.testzip() is None
        shared_xml = (
            archive.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in archive.namelist() else b""
        )
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook_xml = archive.read("xl/workbook.xml").decode()
    # Our own output, parsed with the standard library (S314 guards against untrusted XML).
    shared_root = ElementTree.fromstring(shared_xml) if shared_xml else None  # noqa: S314
    shared = [
        "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
        for si in (shared_root.findall("m:si", NS) if shared_root is not None else [])
    ]
    rows = []
    for row in ElementTree.fromstring(sheet_xml).iter(f"{{{NS['m']}}}row"):  # noqa: S314
        cells = []
        for cell in row.findall("m:c", NS):
            value = cell.find("m:v", NS)
            if value is None:
                continue
            assert cell.get("t") == "s", "every written cell is a (shared) string"
            cells.append(shared[int(value.text)])
        rows.append(cells)
    return rows, sheet_xml, workbook_xml


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def filed(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    return fetched(case)


def external_case(world, name: str, id_number: str) -> Case:
    external = {
        "name": name,
        "gender": "2",
        "id_number": id_number,
        "province": "山东省",
        "school": "济南市历下区实验小学",
        "grade": "4",
    }
    facts = {
        "grounds": "migrant_child",
        "nature": "migrant",
        "reason": "父母来安阳务工",
        "scope": "cross_province",
        "external": external,
    }
    return transfer_start(actor=world.registrar_a, student=None, facts=facts)


# --------------------------------------------------------------------------- PDF


def test_r10_4_pdf_lists_the_case_with_the_id_number_masked(filed, student_c, django_assert_num_queries):
    (case,) = filed
    with django_assert_num_queries(0):  # a pure function over what the caller fetched
        data = batch_pdf(district_name="北关区", filing_day=FILING_DAY, cases=filed)
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    (text,) = pdf_pages(data)
    assert "转学备案汇总表" in text
    assert "报送单位：北关区教育局教育股　备案日期：2026年09月15日（每周二集中备案）" in text
    assert all(column in text for column in COLUMNS)
    assert case.number in text and student_c.name in text and "文峰区东关小学" in text
    assert "北关区红旗路小学" in text and "三年级" in text and "返市生" in text
    assert "随父母或其他法定监护人户籍迁移" in text and "户籍迁移证明" in text and "户口簿" in text
    # R21.1: the printed sheet leaves the building.
    assert mask_id_number(student_c.id_number) in text and student_c.id_number not in text
    assert "经办人" in text and "审核人" in text and "第 1 页 共 1 页" in text


def test_r10_4_pdf_external_student_from_another_province(world):
    case = external_case(world, "孙小东", "370102201705150028")
    (text,) = pdf_pages(batch_pdf(district_name="北关区", filing_day=FILING_DAY, cases=fetched(case)))
    assert "孙小东" in text and "山东省济南市历下区实验小学" in text and "女" in text
    assert "370102********0028" in text and "370102201705150028" not in text
    assert "进城务工子女" in text and "四年级" in text


def test_r10_4_pdf_prints_markup_characters_as_typed(world):
    case = external_case(world, "<b>李&amp;</b>", "370102201705150028")
    (text,) = pdf_pages(batch_pdf(district_name="北关区", filing_day=FILING_DAY, cases=fetched(case)))
    assert "<b>李&amp;</b>" in text


def test_r10_4_empty_batch_pdf_says_so():
    data = batch_pdf(district_name="北关区", filing_day=FILING_DAY, cases=[])
    assert data.startswith(b"%PDF") and page_count(data) == 1
    (text,) = pdf_pages(data)
    assert "本期无备案" in text and "本期共 0 件" in text and "经办人" in text


def test_r10_4_thirty_cases_paginate_with_the_header_on_every_page(filed):
    # The renderer is under test, not the data: one real case printed thirty times.
    data = batch_pdf(district_name="北关区", filing_day=FILING_DAY, cases=filed * 30)
    pages = pdf_pages(data)
    total = page_count(data)
    assert total >= 2 and len(pages) == total
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页 共 {total} 页" in text
        if filed[0].number in text:
            assert "学生姓名" in text and "佐证材料" in text  # the header row repeats
    assert filed[0].number in pages[1]  # the table itself runs over more than one page
    assert "本期共 30 件" in pages[-1] and "经办人" in pages[-1]
    assert sum(text.count(filed[0].number) for text in pages) == 30


# --------------------------------------------------------------------------- Excel


def test_r10_4_xlsx_same_columns_masked_and_ready_to_print(filed, student_c, django_assert_num_queries):
    (case,) = filed
    with django_assert_num_queries(0):
        data = batch_xlsx(district_name="北关区", filing_day=FILING_DAY, cases=filed)
    assert data.startswith(b"PK")
    rows, sheet_xml, workbook_xml = xlsx_read(data)
    assert rows[0] == ["转学备案汇总表"]
    assert rows[1] == ["报送单位：北关区教育局教育股　备案日期：2026年09月15日（每周二集中备案）"]
    assert rows[2] == list(COLUMNS)
    assert rows[3] == [
        "1",
        student_c.name,
        "男",
        mask_id_number(student_c.id_number),
        "文峰区东关小学",
        "北关区红旗路小学",
        "三年级",
        "随父母或其他法定监护人户籍迁移",
        "返市生",
        "监护人转学申请、户籍迁移证明、户口簿",
        case.number,
    ]
    assert any("经办人" in cell for row in rows for cell in row)
    # R21.1: the full number is nowhere in the file.
    with zipfile.ZipFile(BytesIO(data)) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert student_c.id_number.encode() not in everything
    # Frozen header, A4 landscape, one page wide, header row repeated, page numbers.
    assert re.search(r'<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"', sheet_xml)
    setup = re.search(r"<pageSetup [^>]*>", sheet_xml).group()
    assert 'paperSize="9"' in setup and 'orientation="landscape"' in setup and 'fitToHeight="0"' in setup
    assert "<fitToPage" in sheet_xml or 'fitToPage="1"' in sheet_xml
    assert "_xlnm.Print_Titles" in workbook_xml and "$3:$3" in workbook_xml
    assert "第 &amp;P 页 共 &amp;N 页" in sheet_xml
    assert "<f>" not in sheet_xml


def test_r21_1_a_name_that_looks_like_a_formula_stays_text(world):
    case = external_case(world, INJECTION, "370102201705150028")
    data = batch_xlsx(district_name="北关区", filing_day=FILING_DAY, cases=fetched(case))
    rows, sheet_xml, _ = xlsx_read(data)  # xlsx_read asserts every cell is a string cell
    assert rows[3][1] == INJECTION
    assert "<f>" not in sheet_xml and "HYPERLINK" not in sheet_xml
    (text,) = pdf_pages(batch_pdf(district_name="北关区", filing_day=FILING_DAY, cases=fetched(case)))
    assert INJECTION in text


def test_r10_4_empty_batch_xlsx_says_so():
    rows, sheet_xml, _ = xlsx_read(batch_xlsx(district_name="北关区", filing_day=FILING_DAY, cases=[]))
    assert rows[2] == list(COLUMNS) and rows[3] == ["本期无备案"]
    assert '<mergeCell ref="A4:K4"/>' in sheet_xml
    assert any("本期共 0 件" in cell for row in rows for cell in row)


def test_r10_4_thirty_cases_in_the_sheet(world):
    students = [
        pupil(world, birth=dt.date(2018, 4, 1) + dt.timedelta(days=i), name=f"陈小{'一二三四五'[i]}")
        for i in range(5)
    ]
    cases = []
    for student in students:
        case = start(world, student)
        attach(case, world.registrar_a, *START_EVIDENCE)
        cases.append(case)
    batch = fetched(*cases) * 6
    rows, _, _ = xlsx_read(batch_xlsx(district_name="北关区", filing_day=FILING_DAY, cases=batch))
    data_rows = rows[3:33]
    assert [row[0] for row in data_rows] == [str(n) for n in range(1, 31)]
    assert {row[1] for row in data_rows} == {s.name for s in students}
    assert all(len(row) == len(COLUMNS) for row in data_rows)

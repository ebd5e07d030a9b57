"""生僻字 (decision 0033): a name may hold characters of CJK Extension B and later, as the household
register writes it; the system accepts it, and every PDF prints each character its font cannot
show as 〓 with a note naming the code point — never a blank or a wrong glyph."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.changes.builders import case_in_state
from tests.changes.test_batch import pdf_pages
from tests.conftest import login
from tests.factories import enrolled
from xueji.changes import printing
from xueji.core.pdf import FALLBACK, Marked, beyond_font
from xueji.students import rules, selectors
from xueji.students.models import Student

pytestmark = pytest.mark.django_db
RARE = "\U0002000b"  # 𠀋, CJK Extension B
NAME = f"王{RARE}明"


def test_r6_1_a_name_with_an_extension_b_character_is_accepted_and_found(world):
    assert rules.NAME_RE.match(NAME) and rules.NAME_RE.match("\u3400丽") and not rules.NAME_RE.match("王😀")
    student = enrolled(world.school_a, grade=3, name=NAME)
    assert Student.objects.get(pk=student.pk).name == NAME
    found = selectors.enrollment_search(requested_by=world.registrar_a, q=NAME)
    assert [e.student_id for e in found] == [student.pk]


def test_what_the_font_cannot_show_is_marked_and_listed():
    shown = Marked()
    assert shown("张三") == "张三" and shown("\u3400丽") == "\u3400丽"  # BMP and Extension A print
    assert shown(NAME) == f"王{FALLBACK}明"
    assert shown("\u9fa6") == FALLBACK  # added at the end of the BMP block after GB 18030
    assert (
        shown.note
        == f"注：“{FALLBACK}”处为本打印件字库不能显示的生僻字（U+2000B、U+9FA6），以电子学籍档案为准。"
    )
    assert Marked().note == "" and not beyond_font("〓")


def test_the_printed_application_marks_the_rare_character_and_says_what_it_stands_for(world):
    case = case_in_state("suspension", "draft", world)
    Student.objects.filter(pk=case.student_id).update(name=NAME)
    response = login(world.registrar_a).get(f"/cases/{case.pk}/print/")
    assert response.status_code == 200
    text = "".join(
        pdf_pages(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    assert f"王{FALLBACK}明" in text and "U+2000B" in text and "以电子学籍档案为准" in text


def test_a_letter_marks_it_too():
    data = printing.letter_pdf(
        title="辍学学生书面报告",
        recipient="街道办事处",
        paragraphs=[f"学生{NAME}自2026年9月起未到校。"],
        sender="北关区红旗路小学",
        number="CX2026000001",
        dated=f"{dt.date(2026, 9, 10):%Y年%m月%d日}",
        printed_by="张老师",
        printed_at="2026-09-10 10:00",
    )
    text = "".join(pdf_pages(data))
    assert f"学生王{FALLBACK}明" in text and "U+2000B" in text


def test_a_minority_names_middle_dot_is_drawn_by_the_fonts_own_dot():
    """阿依古丽·买买提: U+00B7 has no glyph under that code point in the printed forms' font; it is
    drawn as GB 2312's middle dot (U+30FB), never as a missing-glyph box and never as 〓."""
    from xueji.core.pdf import drawable

    marked = Marked()
    assert marked("阿依古丽·买买提") == "阿依古丽・买买提" and marked.note == ""
    assert drawable("学生花名册 · 张老师") == "学生花名册 ・ 张老师"

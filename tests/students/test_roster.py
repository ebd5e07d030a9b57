"""The 学生花名册 (class roster), per class and per grade, as PDF and Excel: from the school's page or
the search, the same filters as the search, logged as a print of personal data (R21.1)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from python_calamine import CalamineWorkbook

from tests.changes.test_batch import pdf_pages
from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit.models import AuditEvent
from xueji.students.services import student_register


def _class_of(world, n=3):
    made = []
    for i in range(n):
        made.append(
            student_register(
                actor=world.registrar_a,
                school=world.school_a,
                student=student_payload(
                    dt.date(2020, 3, 1) + dt.timedelta(days=i), name=f"花名册{'甲乙丙丁'[i]}", male=i != 1
                ),
                family=family_payload(),
                enrollment=enrollment_payload(class_seat_number=f"{i + 1:02d}"),
                school_class=world.class_a1,
            )
        )
    return made


def _pdf_text(content: bytes) -> str:
    return "".join(pdf_pages(content))


def test_a_class_roster_as_pdf_from_the_schools_page(world):
    students = _class_of(world)
    client = login(world.registrar_a)
    page = client.get(f"/schools/{world.school_a.pk}/").content.decode()
    assert f"class={world.class_a1.pk}" in page and "花名册" in page
    response = client.get(
        f"/students/roster.pdf?school={world.school_a.pk}&class={world.class_a1.pk}", follow=True
    )
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "一年级（1）班" in text and "学生花名册" in text and "共 3 人（男 2，女 1）" in text
    for s in students:
        assert s.name in text and s.xjh not in text  # 学籍号 masked on a roster
    assert AuditEvent.objects.filter(action="student.roster_print").exists()


def test_a_grade_roster_as_excel_for_the_district_officer(world):
    _class_of(world)
    client = login(world.officer)
    response = client.get(
        f"/students/export.xlsx?school={world.school_a.pk}&grade=1&layout=roster", follow=True
    )
    rows = (
        CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    header = [str(c) for c in rows[0]] if rows[0][0] == "班级" else [str(c) for c in rows[1]]
    assert header[:4] == ["班级", "班内学号", "姓名", "性别"]
    assert sum(1 for r in rows if "花名册" in "".join(str(c) for c in r)) == 3


def test_another_schools_class_prints_nothing_of_it(world):
    _class_of(world)
    response = login(world.registrar_c).get(f"/students/roster.pdf?class={world.class_a1.pk}", follow=True)
    assert "花名册甲" not in _pdf_text(response.content)

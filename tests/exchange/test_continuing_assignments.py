"""R6.5, R8.1: the district's 升学 list — template with this district's receiving schools in the
dropdown; every row checked before anything is written; all or nothing, with the reasons beside
the rows; a clean list enrolls every graduate at once, keeping each 学籍号."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from tests.conftest import login
from tests.exchange.conftest import fill
from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.exchange import assignment_services
from xueji.org.models import School
from xueji.students import status
from xueji.students.models import Enrollment, Progression

pytestmark = pytest.mark.django_db
AUTUMN = dt.date(2026, 9, 1)


def _graduate(school, name):
    student = enrolled(school, grade=6, name=name)
    status.enrollment_change_status(actor=None, student=student, status="07")
    return student


def _list(world, rows):
    template = assignment_services.assignment_template(actor=world.officer)
    return fill(template, rows)


def _row(student, school, name=None):
    return {"学籍号": student.xjh, "姓名": name or student.name, "接收学校": school.name}


def test_r6_5_the_template_offers_this_districts_schools_that_take_grade_7(world):
    data = assignment_services.assignment_template(actor=world.officer)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.get_sheet_by_name("学生信息").to_python()[0][:3] == ["学籍号", "姓名", "接收学校"]
    listed = {cell for row in book.get_sheet_by_name("代码表").to_python() for cell in row}
    assert world.school_b.name in listed
    assert world.school_a.name not in listed and world.school_c.name not in listed  # primary / other district
    with pytest.raises(PermissionDenied):
        assignment_services.assignment_template(actor=world.registrar_b)


def test_r6_5_a_clean_list_enrolls_every_graduate_at_once(world):
    graduates = [_graduate(world.school_a, name) for name in ("甲一", "乙二", "丙三")]
    data = _list(world, [_row(g, world.school_b) for g in graduates])
    result = assignment_services.assignments_import(
        actor=world.officer, data=data, original_name="分配.xlsx", entry_date=AUTUMN
    )
    assert not result.refused and len(result.enrolled) == 3
    for graduate in graduates:
        new = Enrollment.objects.get(student=graduate, is_current=True)
        assert (new.school, new.grade, new.origin, new.entry_date) == (
            world.school_b,
            7,
            "continuing",
            AUTUMN,
        )
        assert new.student.xjh == graduate.xjh
    assert AuditEvent.objects.filter(action="continuing.assign").count() == 1
    assert AuditEvent.objects.filter(action="enrollment.continue").count() == 3
    counts = []
    for names in ("丁戊", "己庚辛壬癸子丑寅卯辰巳午"):  # 2 and 12 more graduates
        more = [_graduate(world.school_a, f"王{c}") for c in names]
        with CaptureQueriesContext(connection) as captured:
            assignment_services.assignments_import(
                actor=world.officer,
                data=_list(world, [_row(g, world.school_b) for g in more]),
                original_name="",
                entry_date=AUTUMN,
            )
        counts.append(len(captured))
    assert counts[0] == counts[1]  # set-based: the same statements for 2 and for 12


def test_r6_5_one_bad_row_and_nothing_is_written_with_the_reasons_beside_the_rows(world):
    good = _graduate(world.school_a, "甲一")
    pupil = enrolled(world.school_a, grade=5, name="乙在读")
    other = _graduate(world.school_a, "丙三")
    rows = [
        _row(good, world.school_b),
        _row(pupil, world.school_b),  # not a graduate
        _row(other, world.school_b, name="丙四"),  # name does not match
        {"学籍号": "G110105194912310021", "姓名": "无此人", "接收学校": world.school_b.name},
        _row(good, world.school_b),  # the same student twice
        _row(other, world.school_c),  # another district's primary school
    ]
    result = assignment_services.assignments_import(
        actor=world.officer, data=_list(world, rows), original_name="分配.xlsx", entry_date=AUTUMN
    )
    assert result.refused and result.errors == 5 and not result.enrolled
    assert not Progression.objects.exists()
    assert Enrollment.objects.get(student=good, is_current=True).school == world.school_a
    report = (
        CalamineWorkbook.from_filelike(io.BytesIO(result.report)).get_sheet_by_name("学生信息").to_python()
    )
    reasons = [row[2] for row in report[1:]]
    assert reasons[0] == ""
    assert "不是尚未升学的小学毕业生" in reasons[1]
    assert "姓名与学籍不一致" in reasons[2]
    assert "没有这个学籍号" in reasons[3]
    assert "第 2 行是同一名学生" in reasons[4]
    assert "接收学校须是本区招收七年级的学校" in reasons[5]


def test_r6_5_a_graduate_of_another_district_is_not_the_officers_to_assign(world):
    junior_wf = School.objects.create(
        code="4105020009",
        name="文峰区永明路中学",
        district=world.wenfeng,
        kind="junior",
        grade_from=7,
        grade_to=9,
    )
    theirs = _graduate(world.school_c, "吴六")
    rows = [{"学籍号": theirs.xjh, "姓名": theirs.name, "接收学校": junior_wf.code}]
    result = assignment_services.assignments_import(
        actor=world.officer, data=_list(world, rows), original_name="", entry_date=AUTUMN
    )
    assert result.errors == 1 and not Progression.objects.exists()


def test_r6_5_through_the_page(world):
    graduate = _graduate(world.school_a, "甲一")
    officer = login(world.officer)
    page = officer.get("/import/continuing/").content.decode()
    assert "下载《升学分配名单》模板" in page
    assert officer.get("/import/continuing/template.xlsx").status_code == 200
    bad = officer.post(
        "/import/continuing/", {"entry_date": "2026-09-01", "file": io.BytesIO(b"not a workbook")}
    )
    assert bad.status_code == 200 and "无法读取该文件" in bad.content.decode()
    upload = io.BytesIO(_list(world, [_row(graduate, world.school_b, name="错名")]))
    upload.name = "分配.xlsx"
    refused = officer.post(
        "/import/continuing/", {"entry_date": "2026-09-01", "file": upload}
    ).content.decode()
    assert "1 行有错误" in refused and "data:application/vnd.openxmlformats" in refused
    upload = io.BytesIO(_list(world, [_row(graduate, world.school_b)]))
    upload.name = "分配.xlsx"
    done = officer.post("/import/continuing/", {"entry_date": "2026-09-01", "file": upload}).content.decode()
    assert "已办理 1 名毕业生的升学入学" in done
    assert login(world.registrar_b).get("/import/continuing/").status_code == 403
    with pytest.raises(RuleViolation):
        assignment_services.assignments_import(
            actor=world.officer, data=b"", original_name="", entry_date=AUTUMN
        )


def test_the_templates_instructions_are_its_own(world):
    data = assignment_services.assignment_template(actor=world.officer)
    help_text = str(
        CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("填写说明").to_python()
    )
    assert "接收学校" in help_text and "全部导入或全部不导入" in help_text
    assert "民族" not in help_text and "只导入正确的行" not in help_text

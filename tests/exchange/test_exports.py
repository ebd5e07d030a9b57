"""R21.1: Excel exports of the student search and the case list — the page's rows and only those,
masked, never a formula, logged, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from io import BytesIO
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from tests.changes.conftest import pupil, start
from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.core import identity
from xueji.exchange import exports
from xueji.exchange.layouts import STUDENT_COLUMNS
from xueji.students.services import student_register

NATIONAL_HEADERS = ["学校标识码", "学校名称", "学籍号"] + [c.header for c in STUDENT_COLUMNS]
LIST_HEADERS = [
    "学籍号",
    "姓名",
    "性别",
    "出生日期",
    "身份证件号",
    "学校",
    "年级班级",
    "学籍状态",
    "档案完整",
    "联系电话",
]
CASE_HEADERS = [
    "编号",
    "类型",
    "学生姓名",
    "学籍号",
    "对方",
    "学校",
    "当前步骤",
    "状态",
    "办理时限",
    "发起时间",
]
EVIL = '=HYPERLINK("http://evil.example","点我")'


def register(world, *, school=None, registrar=None, birth=dt.date(2020, 5, 5), grade=1, **student):
    father_id = make_id(dt.date(1988, 5, 4))
    return student_register(
        actor=registrar or world.registrar_a,
        school=school or world.school_a,
        student=student_payload(birth, **student),
        family=family_payload(id_number=father_id, phone=f"139{father_id[-8:-1]}0"),
        enrollment=enrollment_payload(grade=grade),
    )


def export(user, url="/students/export.xlsx", **params):
    # The search form posts its terms (R21.1: no name or number in a URL); the cases' list is a GET.
    client = login(user)
    response = client.post(url, params) if url.startswith("/students/") else client.get(url, params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == exports.XLSX_TYPE
    return b"".join(response.streaming_content)


def grid(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(BytesIO(content)).get_sheet_by_index(0).to_python()


def records(content: bytes) -> list[dict]:
    header, *rows = grid(content)
    return [dict(zip(header, row, strict=True)) for row in rows]


def xml_parts(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


# --------------------------------------------------------------------------- layouts


def test_r21_1_national_layout_has_the_national_forms_columns_in_order(world):
    register(world)
    assert grid(export(world.registrar_a, layout="national"))[0] == NATIONAL_HEADERS


def test_national_layout_writes_codes_as_names_and_family_members_1_and_2(world):
    student = register(world, name="刘小华", male=False, birth=dt.date(2020, 2, 2))
    [row] = records(export(world.registrar_a, layout="national"))
    assert row["学校标识码"] == "4105030001" and row["学校名称"] == "北关区红旗路小学"
    assert row["学籍号"] == identity.mask_xjh(student.xjh)
    assert row["姓名"] == "刘小华" and row["性别"] == "女" and row["民族"] == "汉族"
    assert row["出生日期"] == dt.date(2020, 2, 2)  # a date cell, not text
    assert row["身份证件类型"] == "居民身份证" and row["国籍/地区"] == "中国"
    assert row["年级"] == "一年级" and row["入学年月"] == dt.date(2026, 9, 1)
    assert row["是否独生子女"] == "否" and row["是否受过学前教育"] == "是" and row["是否孤儿"] == "否"
    assert row["成员1姓名"] == "王建国" and row["成员1关系"] == "父亲" and row["成员1是否监护人"] == "是"
    assert row["成员1工作单位"] == "安阳钢铁集团"
    assert row["成员2姓名"] == "李红" and row["成员2关系"] == "母亲"
    assert row["成员1身份证件号"].count("*") == 8


def test_list_layout_shows_what_the_search_page_shows(world):
    student = register(world)
    [row] = records(export(world.registrar_a, layout="list"))
    assert list(row) == LIST_HEADERS
    assert row["学籍号"] == identity.mask_xjh(student.xjh)  # the page masks it too (mask_id)
    assert row["身份证件号"] == identity.mask_id_number(student.id_number)
    assert row["学校"] == "北关区红旗路小学" and row["年级班级"] == "一年级（未分班）"
    assert row["学籍状态"] == "在读" and row["档案完整"] == ("是" if student.is_complete else "否")
    assert row["联系电话"] == "138****5678" and row["出生日期"] == dt.date(2020, 5, 5)


def test_an_unknown_layout_gives_the_list(world):
    register(world)
    assert grid(export(world.registrar_a, layout="<script>"))[0] == LIST_HEADERS


# --------------------------------------------------------------------------- scope and filters


@pytest.fixture
def three_schools(world):
    return {
        "a": register(world, name="甲一"),
        "b": register(
            world,
            name="乙一",
            school=world.school_b,
            registrar=world.registrar_b,
            birth=dt.date(2013, 5, 5),
            grade=7,
        ),
        "c": register(world, name="丙一", school=world.school_c, registrar=world.registrar_c),
    }


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("registrar_a", {"甲一"}),
        ("approver_a", {"甲一"}),
        ("registrar_c", {"丙一"}),
        ("officer", {"甲一", "乙一"}),  # 北关区: both its schools, never 文峰区's
        ("officer_wf", {"丙一"}),
    ],
)
@pytest.mark.parametrize("layout", ["list", "national"])
def test_r2_2_an_export_holds_only_the_users_scope(world, three_schools, persona, names, layout):
    rows = records(export(getattr(world, persona), layout=layout))
    assert {r["姓名"] for r in rows} == names


def test_an_officer_may_narrow_to_one_school_but_not_reach_another_district(world, three_schools):
    rows = records(export(world.officer, school=world.school_b.pk))
    assert [r["姓名"] for r in rows] == ["乙一"]
    response = login(world.officer).get("/students/export.xlsx", {"school": world.school_c.pk})
    assert response.status_code == 404  # as on the search page


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"grade": "1"},
        {"grade": "7"},
        {"q": "甲"},
        {"q": "jy"},
        {"incomplete": "1"},
        {"overdue": "1"},
        {"unplaced": "1"},
        {"grade": "1", "unplaced": "1", "q": "甲"},
    ],
)
def test_the_export_holds_exactly_the_search_pages_rows_on_every_page(
    world, three_schools, monkeypatch, params
):
    monkeypatch.setattr("xueji.students.views.PAGE_SIZE", 1)  # the page shows one; the file holds all
    register(world, name="甲二")
    page = login(world.officer).post("/students/", params, follow=True)
    expected = page.context["page"].paginator.count
    rows = records(export(world.officer, **params))
    assert len(rows) == expected
    if expected > 1:
        assert len(page.context["page"].object_list) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"grade": "x"},
        {"grade": "²"},  # str.isdigit() says yes, int() says no
        {"grade": "99"},
        {"q": "4" * 400},
        {"page": "-1"},
    ],
)
def test_a_bad_filter_value_is_never_a_500(world, three_schools, params):
    assert grid(export(world.officer, **params))[0] == LIST_HEADERS


@pytest.mark.parametrize("school", ["abc", "99999999999999999999999", "-1", "1.5"])
def test_a_bad_school_is_the_search_pages_404(world, school):
    assert login(world.officer).get("/students/export.xlsx", {"school": school}).status_code == 404


@pytest.mark.parametrize(
    "params", [{"q": "\x00王"}, {"incomplete": "\x00"}, {"layout": "\x00"}, {"school": "\x00"}]
)
def test_a_control_character_in_a_filter_is_a_400_in_words(world, params):
    answer = login(world.officer).get("/students/export.xlsx", params)
    assert answer.status_code == 400 and "不可见的控制字符" in answer.content.decode()


# --------------------------------------------------------------------------- R21.1 masking, injection


def test_r21_1_no_full_id_number_or_phone_is_anywhere_in_the_file(world):
    students = [register(world, phone="13512340001"), register(world, phone="13512340002")]
    secrets = set()
    for student in students:
        secrets |= {student.id_number, student.phone, student.xjh}
        for member in student.family.all():
            secrets |= {member.phone} | ({member.id_number} if member.id_number else set())
    for layout in ("list", "national"):
        content = export(world.registrar_a, layout=layout)
        cells = {str(value) for row in grid(content) for value in row}
        assert not secrets & cells, layout
        for name, text in xml_parts(content).items():
            for secret in secrets:
                assert secret not in text, (layout, name)
                assert secret[1:] not in text, (layout, name)  # the ID inside a G 学籍号


def test_r21_1_only_a_file_for_an_approved_request_is_unmasked_and_it_carries_its_watermark(world):
    student = register(world)
    out = BytesIO()
    mark = "导出申请 2026-00001 张老师"
    exports.students_export(
        requested_by=world.registrar_a,
        filters=exports.StudentFilters(),
        layout="national",
        out=out,
        unmasked_for=mark,
    )
    [row] = records(out.getvalue())
    assert row["身份证件号"] == student.id_number and row["学籍号"] == student.xjh
    assert "未脱敏" in AuditEvent.objects.get(action="export.students").note
    assert mark in xml_parts(out.getvalue())["xl/worksheets/sheet1.xml"]  # the printed header


def test_r21_1_a_masked_internal_export_is_watermarked_with_its_requester(world):
    register(world)
    content = export(world.registrar_a, layout="list")
    header = xml_parts(content)["xl/worksheets/sheet1.xml"]
    assert "张老师" in header and "仅供内部使用" in header


def test_a_formula_in_a_field_is_exported_as_text_never_as_a_formula(world):
    register(world, current_address=EVIL, mailing_address="+1+cmd|' /C calc'!A0", home_address="@SUM(1)")
    for layout in ("national", "list"):
        content = export(world.registrar_a, layout=layout)
        for name, text in xml_parts(content).items():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<f[\s>/]", text), name
    [row] = records(export(world.registrar_a, layout="national"))
    assert row["现住址"].startswith("=HY") and "evil" not in row["现住址"]  # R21.1: masked, still text
    # The district-approved file (unmasked) keeps every character as typed, as text.
    out = BytesIO()
    exports.students_export(
        requested_by=world.registrar_a,
        filters=exports.StudentFilters(school=world.school_a),
        layout="national",
        out=out,
        unmasked_for="导出申请 1",
    )
    assert not re.search(r"<f[\s>/]", xml_parts(out.getvalue())["xl/worksheets/sheet1.xml"])
    [row] = records(out.getvalue())
    assert row["现住址"] == EVIL
    assert row["通信地址"] == "+1+cmd|' /C calc'!A0" and row["家庭地址"] == "@SUM(1)"


def test_r21_1_an_internal_export_masks_addresses_and_leaves_out_health_disability_and_aid(world):
    register(world, current_address="河南省安阳市北关区红旗路18号院3号楼")
    [row] = records(export(world.registrar_a, layout="national"))
    assert "红旗路18号" not in str(row) and row["现住址"].startswith("河南省安阳市北关区")
    for column in ("健康状况", "残疾类型", "随班就读", "是否需要申请资助"):
        assert row[column] == "（敏感信息，不显示）", column


# --------------------------------------------------------------------------- cases


@pytest.fixture
def transfer(world):
    """School A receives 陈小北 from 文峰区东关小学 (school C)."""
    return start(world, pupil(world))


def test_case_list_export(world, transfer):
    content = export(world.registrar_a, "/cases/export.xlsx")
    assert grid(content)[0] == CASE_HEADERS
    [row] = records(content)
    assert row["编号"] == transfer.number and row["类型"] == "转学" and row["学生姓名"] == "陈小北"
    assert row["学籍号"] == identity.mask_xjh(transfer.student.xjh)
    assert row["对方"] == "文峰区东关小学" and row["学校"] == "北关区红旗路小学"
    assert row["状态"] == transfer.get_state_display() and row["当前步骤"]
    assert isinstance(row["发起时间"], dt.datetime)
    assert transfer.student.id_number not in str(xml_parts(content))


def test_a_case_of_a_student_outside_the_system_exports_what_the_registrar_entered(world):
    external = {
        "name": "孙小东",
        "id_number": "37010220180101001X",
        "province": "山东省",
        "school": "济南市历下区实验小学",
        "grade": "4",
    }
    facts = {"grounds": "migrant_child", "nature": "migrant", "reason": "务工", "scope": "cross_province"}
    transfer_start(actor=world.registrar_a, student=None, facts={**facts, "external": external})
    content = export(world.registrar_a, "/cases/export.xlsx")
    [row] = records(content)
    assert row["学生姓名"] == "孙小东" and row["学籍号"] == ""
    assert row["对方"] == "山东省济南市历下区实验小学（系统外）"
    assert "37010220180101001X" not in str(xml_parts(content))


@pytest.mark.parametrize(
    ("persona", "params", "count"),
    [
        ("registrar_a", {}, 1),
        ("registrar_c", {}, 1),  # the other party's school
        ("officer_wf", {}, 1),
        ("registrar_b", {}, 0),
        ("officer", {"state": "active"}, 1),
        ("officer", {"state": "completed"}, 0),
        ("officer", {"state": "bogus"}, 1),  # ignored, as on the page
        ("officer", {"overdue": "1"}, 0),
    ],
)
def test_case_list_export_holds_the_pages_cases(world, transfer, persona, params, count):
    user = getattr(world, persona)
    page = login(user).get("/cases/", params)
    rows = records(export(user, "/cases/export.xlsx", **params))
    assert len(rows) == page.context["page"].paginator.count == count


def test_r21_1_a_case_export_is_logged(world, transfer):
    export(world.officer, "/cases/export.xlsx", state="active")
    event = AuditEvent.objects.get(action="export.cases")
    assert event.actor == world.officer and event.rules == ["R21.1"]
    assert "办理中（全部未办结）" in event.note and "1 行" in event.note and "已脱敏" in event.note


# --------------------------------------------------------------------------- log, routes, download


def test_r21_1_a_student_export_is_logged_with_its_filters_and_count(world, three_schools):
    student = three_schools["a"]
    export(world.officer, q=student.id_number, layout="national")
    event = AuditEvent.objects.get(action="export.students")
    assert event.actor == world.officer and event.rules == ["R21.1"]
    assert "国家学籍表" in event.note and "1 行" in event.note and "已脱敏" in event.note
    assert student.id_number not in event.note and identity.mask_id_number(student.id_number) in event.note


@pytest.mark.parametrize("url", ["/students/export.xlsx", "/cases/export.xlsx"])
def test_r2_2_anonymous_is_sent_to_login_and_wrong_roles_get_403(world, client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    for persona in (world.admin, world.auditor):
        assert login(persona).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_the_download_has_a_dated_chinese_file_name(world):
    response = login(world.registrar_a).get("/students/export.xlsx", {"layout": "list"})
    assert response["Content-Disposition"] == (
        "attachment; filename=\"students_20260910.xlsx\"; filename*=UTF-8''" + quote("学生名单_20260910.xlsx")
    )
    assert response["Cache-Control"] == "no-store" and response["X-Content-Type-Options"] == "nosniff"
    response = login(world.officer).get("/cases/export.xlsx")
    assert response["Content-Disposition"].endswith("''" + quote("学籍变动_20260910.xlsx"))


# --------------------------------------------------------------------------- queries


def _queries(user, layout: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        exports.students_export(
            requested_by=user, filters=exports.StudentFilters(), layout=layout, out=BytesIO()
        )
    return len(captured)


@pytest.mark.parametrize("layout", ["list", "national"])
def test_an_export_costs_the_same_queries_for_5_and_50_students(world, layout):
    for _ in range(5):
        register(world)
    few = _queries(world.officer, layout)
    for _ in range(45):
        register(world)
    assert _queries(world.officer, layout) == few


def test_family_members_cost_one_query_per_chunk_not_per_row(world, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 4)
    for _ in range(4):
        register(world)
    one_chunk = _queries(world.registrar_a, "national")
    for _ in range(8):
        register(world)
    assert _queries(world.registrar_a, "national") <= one_chunk + 2  # three chunks, one prefetch each


def test_the_case_export_costs_constant_queries(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            exports.cases_export(requested_by=world.officer, filters=exports.CaseFilters(), out=BytesIO())
        return len(captured)

    start(world, pupil(world, name="陈一"))
    few = count()
    for i in range(3):
        start(world, pupil(world, name="陈一二三"[i] + "东", birth=dt.date(2018, 4, 2 + i)))
    assert count() == few


def test_the_list_pages_offer_the_export_with_their_filters(world, transfer):
    page = login(world.officer).get("/students/", {"grade": "1", "unplaced": "1"}).content.decode()
    assert page.count('formaction="/students/export.xlsx"') == 3  # 名单, 国家学籍表, 花名册
    assert 'name="layout" value="list"' in page and 'name="layout" value="national"' in page
    assert 'name="layout" value="roster"' in page and 'formaction="/students/roster.pdf"' in page
    assert '<input type="hidden" name="unplaced" value="1">' in page  # sent along by the form
    page = login(world.officer).get("/cases/", {"state": "active", "overdue": "1"}).content.decode()
    assert 'href="/cases/export.xlsx?state=active&amp;overdue=1"' in page

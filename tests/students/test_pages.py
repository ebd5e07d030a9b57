"""The registrar's and officer's pages, driven through HTTP like a browser would."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from tests.conftest import login, said
from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.students.models import Student
from xueji.students.services import KEY_FIELDS, student_register


def _form(student: dict, family: list[dict], enrollment: dict, **extra) -> dict:
    data = dict(student)
    for position, member in enumerate(family, start=1):
        data.update({f"family{position}_{k}": ("1" if v is True else v) for k, v in member.items()})
    data.update(enrollment)
    data.update(extra)
    return data


def _register(world, n: int, school=None, registrar=None) -> list[Student]:
    made = []
    for i in range(n):
        birth = dt.date(2020, 1, 1) + dt.timedelta(days=i)
        made.append(
            student_register(
                actor=registrar or world.registrar_a,
                school=school or world.school_a,
                student=student_payload(birth, name=f"测试{'甲乙丙丁戊己庚辛壬癸'[i % 10]}"),
                family=family_payload(),
                enrollment=enrollment_payload(),
                school_class=world.class_a1 if school is None else None,
            )
        )
    return made


def test_r3_2_registration_page_refuses_a_child_born_sep_1_at_the_field(world):
    client = login(world.registrar_a)
    data = _form(student_payload(dt.date(2020, 9, 1)), family_payload(), enrollment_payload())
    response = client.post("/students/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "小学不得招收不足6周岁的儿童入学" in page and said("R3.2") in page
    assert Student.objects.count() == 0


def test_r3_2_registration_page_accepts_a_child_born_aug_31(world):
    client = login(world.registrar_a)
    data = _form(
        student_payload(dt.date(2020, 8, 31)),
        family_payload(),
        enrollment_payload(),
        school_class=world.class_a1.pk,
    )
    response = client.post("/students/new/", data)
    assert response.status_code == 302
    student = Student.objects.get()
    assert response["Location"] == f"/students/{student.pk}/"
    assert student.enrollments.get().school_class == world.class_a1


def test_r6_3_validate_endpoint_reads_the_id_number_and_reports_field_errors(world):
    client = login(world.registrar_a)
    number = make_id(dt.date(2020, 3, 15), male=False)
    response = client.post("/students/validate/", {"id_type": "1", "id_number": number, "name": "王"})
    body = response.json()
    assert body["id"]["birth_date"] == "2020-03-15" and body["id"]["gender"] == "2"
    assert "北关区" in body["id"]["region"]
    bad = client.post(
        "/students/validate/",
        {"id_type": "1", "id_number": number[:-1] + ("0" if number[-1] != "0" else "1")},
    )
    assert "校验" in bad.json()["errors"]["id_number"] and said("R6.3") in bad.json()["errors"]["id_number"]
    assert Student.objects.count() == 0


def test_r6_2_validate_endpoint_reports_a_duplicate_without_writing(world):
    _register(world, 1)
    existing = Student.objects.get()
    client = login(world.registrar_c)
    data = _form(
        student_payload(existing.birth_date, id_number=existing.id_number, name=existing.name),
        family_payload(),
        enrollment_payload(),
    )
    errors = client.post("/students/validate/", data).json()["errors"]
    assert "北关区红旗路小学" in errors["id_number"] and "转学" in errors["id_number"]
    # R6.2: under another name, only that the number is taken — not where.
    data["name"] = "另一个名字"
    errors = client.post("/students/validate/", data).json()["errors"]
    assert "北关区红旗路小学" not in errors["id_number"] and "已在本系统建立学籍" in errors["id_number"]
    assert Student.objects.count() == 1


def test_r3_2_the_age_cut_off_is_told_while_the_form_is_still_half_empty(world):
    """Issue 13: the ID number (birth date read from it), the grade and the entry date are enough:
    the age cut-off is told then, not only on submit; one day older passes."""
    client = login(world.registrar_a)
    young = make_id(dt.date(2020, 9, 1))
    # The page fills the birth date from the ID number and sends it with the rest.
    body = client.post(
        "/students/validate/",
        {
            "id_type": "1",
            "id_number": young,
            "birth_date": "2020-09-01",
            "grade": "1",
            "entry_date": "2026-09-01",
        },
    ).json()
    assert "不足6周岁" in body["errors"]["birth_date"] and said("R3.2") in body["errors"]["birth_date"]
    old_enough = make_id(dt.date(2020, 8, 31))
    body = client.post(
        "/students/validate/",
        {
            "id_type": "1",
            "id_number": old_enough,
            "birth_date": "2020-08-31",
            "grade": "1",
            "entry_date": "2026-09-01",
        },
    ).json()
    assert "birth_date" not in body["errors"] and "name" in body["errors"]  # the rest still to fill


def test_r3_1_an_entry_date_before_this_september_quotes_this_years_autumn_term(world):
    client = login(world.registrar_a)
    body = client.post(
        "/students/validate/",
        {"birth_date": "2020-03-15", "grade": "1", "entry_date": "2026-08-10"},
    ).json()
    assert (
        "2026年09月01日" in body["errors"]["entry_date"]
        and "2025年09月01日" not in body["errors"]["entry_date"]
    )


def test_r6_2_a_complete_id_number_is_checked_for_duplicates_as_it_is_typed(world, monkeypatch):
    """Only a complete, valid number is looked up; the holder's school is named only when the name
    matches; the registrar's own student is said to be here; each lookup is logged; past the
    hourly limit the form waits for the submit."""
    from xueji.audit.models import AuditEvent
    from xueji.students import services

    (held,) = _register(world, 1)
    partial = login(world.registrar_c).post(
        "/students/validate/", {"id_type": "1", "id_number": held.id_number[:12]}
    )
    assert "已在" not in partial.json()["errors"].get("id_number", "")
    other = login(world.registrar_c)
    said_to_c = other.post(
        "/students/validate/", {"id_type": "1", "id_number": held.id_number, "name": "别人"}
    ).json()
    assert (
        "已在本系统建立学籍" in said_to_c["errors"]["id_number"]
        and "红旗路" not in said_to_c["errors"]["id_number"]
    )
    named = other.post(
        "/students/validate/", {"id_type": "1", "id_number": held.id_number, "name": held.name}
    ).json()
    assert "北关区红旗路小学" in named["errors"]["id_number"]
    own = (
        login(world.registrar_a)
        .post("/students/validate/", {"id_type": "1", "id_number": held.id_number})
        .json()
    )
    assert "已在本校建立学籍" in own["errors"]["id_number"]
    assert AuditEvent.objects.filter(action="student.duplicate_lookup").count() == 3
    monkeypatch.setattr(services, "LIVE_LOOKUPS_PER_HOUR", 2)
    throttled = other.post("/students/validate/", {"id_type": "1", "id_number": held.id_number}).json()
    assert "提交时检查" in throttled["errors"]["id_number"]
    assert AuditEvent.objects.filter(action="student.duplicate_lookup").count() == 3
    assert Student.objects.count() == 1


def test_the_class_list_names_each_class_grade(world):
    page = login(world.registrar_a).get("/students/new/").content.decode()
    assert f'value="{world.class_a1.pk}" data-grade="1"' in page


def test_r21_1_search_masks_id_numbers_and_runs_constant_queries(world):
    client = login(world.registrar_a)
    _register(world, 3)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/students/").content.decode()
    _register(world, 12)
    with CaptureQueriesContext(connection) as many:
        client.get("/students/")
    assert len(few) == len(many)
    student = Student.objects.first()
    assert student.id_number not in page
    assert f"{student.id_number[:6]}********{student.id_number[-4:]}" in page


def test_search_finds_by_name_initials_id_and_xjh(world):
    (student,) = _register(world, 1)
    client = login(world.registrar_a)
    for q in ("测试甲", "csj", student.id_number, student.xjh, student.id_number.lower()):
        page = client.post("/students/", {"q": q}, follow=True).content.decode()
        assert f"/students/{student.pk}/" in page, q
    assert (
        f"/students/{student.pk}/"
        not in client.post("/students/", {"q": "zzz"}, follow=True).content.decode()
    )


def test_r2_2_officer_sees_own_district_only(world):
    _register(world, 1)
    _register(world, 1, school=world.school_c, registrar=world.registrar_c)
    page = login(world.officer).get("/students/").content.decode()
    assert "北关区红旗路小学" in page and "文峰区东关小学" not in page


def test_r2_3_history_tab_shows_who_when_old_and_new(world):
    (student,) = _register(world, 1)
    client = login(world.registrar_a)
    # What the browser sends back: the pre-filled form with one address and the phone changed.
    current = {
        k: ("1" if v is True else "0" if v is False else "" if v is None else v)
        for k, v in model_to_dict(student).items()
        if k not in KEY_FIELDS
    }
    current.update(current_address="安阳市北关区解放路8号", phone="13800002222")
    data = _form(current, family_payload(), {}, school_class=world.class_a1.pk)
    response = client.post(f"/students/{student.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(f"/students/{student.pk}/?tab=history").content.decode()
    assert "现住址" in page and "联系电话" in page and "张老师" in page
    # R21.1: the history says that the address and the phone changed, not what they are.
    assert "解放路8号" not in page and "红旗路12号" not in page and "13800002222" not in page
    assert "安阳市北关区****" in page and "138****2222" in page


def test_evidence_upload_and_download_through_pages(world):
    (student,) = _register(world, 1)
    client = login(world.registrar_a)
    upload = BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    upload.name = "户口簿.png"
    response = client.post(f"/students/{student.pk}/evidence/", {"category": "household", "file": upload})
    assert response.status_code == 302
    item = student.evidence.get()
    download = client.get(f"/students/evidence/{item.pk}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    fake = BytesIO(b"just text")
    fake.name = "fake.pdf"
    client.post(f"/students/{student.pk}/evidence/", {"category": "household", "file": fake})
    assert student.evidence.count() == 1


def test_r5_1_home_lists_overdue_incomplete_records(world, settings):
    student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(dt.date(2020, 2, 2), phone="", postal_code=""),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )
    # Created 09-10, after its entry on 09-01: the month counts from creation (R5.1).
    settings.XUEJI_FIXED_TODAY = "2026-10-10"  # the due day itself: not yet overdue
    assert "测试" not in login(world.registrar_a).get("/").content.decode()
    assert "王小明" not in login(world.registrar_a).get("/").content.decode()
    settings.XUEJI_FIXED_TODAY = "2026-10-11"
    assert "王小明" in login(world.registrar_a).get("/").content.decode()
    assert "北关区红旗路小学" in login(world.officer).get("/").content.decode()


def test_pages_render_for_every_role(world):
    _register(world, 2)
    for persona in (world.registrar_a, world.approver_a, world.officer, world.admin, world.auditor):
        assert login(persona).get("/").status_code == 200
    assert login(world.officer).get("/schools/").status_code == 200
    assert login(world.officer).get(f"/schools/{world.school_a.pk}/").status_code == 200
    assert login(world.auditor).get("/audit/").status_code == 200
    assert login(world.registrar_a).get("/students/new/").status_code == 200
    assert login(world.registrar_a).get("/students/import-existing/").status_code == 200


@pytest.mark.parametrize("query", ["grade=²", "grade=99", "q=" + "张" * 400, "page=x"])
def test_search_with_odd_filters_never_500(world, query):
    response = login(world.registrar_a).get(f"/students/?{query}", follow=True)
    assert response.status_code == 200


def test_search_with_a_nul_is_a_400_in_words(world):
    response = login(world.registrar_a).get("/students/?q=%00abc")
    assert response.status_code == 400 and "不可见的控制字符" in response.content.decode()


def test_r4_1_a_long_list_is_counted_up_to_the_cap_and_says_there_are_more(world, settings):
    settings.XUEJI = {**settings.XUEJI, "SEARCH_COUNT_CAP": 3}
    _register(world, 5)
    client = login(world.registrar_a)
    page = client.get("/students/").content.decode()
    assert "超过 3 名学生" in page and "缩小范围" in page
    assert "第 1 / 1 页" not in page  # 3 counted rows, 50 a page: no pager at all
    exact = client.post("/students/", {"q": "测试甲"}, follow=True).content.decode()
    assert "共 1 名学生" in exact and "超过 3 名学生" not in exact


def test_capped_paginator_counts_exactly_up_to_the_cap(world):
    from xueji.core.pagination import CappedPaginator
    from xueji.students.models import Enrollment

    _register(world, 4)
    rows = Enrollment.objects.order_by("pk")
    assert (CappedPaginator(rows, 2, cap=4).count, CappedPaginator(rows, 2, cap=4).more) == (4, False)
    capped = CappedPaginator(rows, 2, cap=3)
    assert (capped.count, capped.more, capped.num_pages) == (3, True, 2)
    assert [e.pk for e in capped.page(2)] == [rows[2].pk]


def test_r4_1_placing_one_student_is_its_own_small_action(world):
    (student,) = _register(world, 1)
    client = login(world.registrar_a)
    page = client.get(f"/students/{student.pk}/class/").content.decode()
    assert world.class_a1.name in page
    response = client.post(f"/students/{student.pk}/class/", {"school_class": world.class_a1.pk})
    assert response.status_code == 302
    enrollment = student.enrollments.get(is_current=True)
    assert enrollment.school_class == world.class_a1
    # A class of another school (or grade) is not offered, and posting one is refused, not a 500.
    refused = client.post(f"/students/{student.pk}/class/", {"school_class": world.class_c1.pk})
    assert refused.status_code == 200 and "请从列表中选择" in refused.content.decode()
    assert student.enrollments.get(is_current=True).school_class == world.class_a1
    assert login(world.registrar_c).get(f"/students/{student.pk}/class/").status_code == 404
    assert login(world.approver_a).get(f"/students/{student.pk}/class/").status_code == 403


def test_r21_1_health_disability_and_aid_are_masked_until_the_keeping_school_reveals_them(world):
    from xueji.audit.models import AuditEvent

    (student,) = _register(world, 1)
    registrar = login(world.registrar_a)
    own = registrar.get(f"/students/{student.pk}/").content.decode()
    assert "健康或良好" not in own and "无残疾" not in own and "（敏感信息，不显示）" in own
    assert "显示这些信息" in own
    assert not AuditEvent.objects.filter(action="student.reveal").exists()

    shown = registrar.get(f"/students/{student.pk}/?tab=info&reveal=1").content.decode()
    assert "健康或良好" in shown and "无残疾" in shown and "本次查看已记录" in shown
    assert AuditEvent.objects.filter(
        action="student.reveal", actor=world.registrar_a, subject_id=str(student.pk)
    ).exists()
    approver = login(world.approver_a).get(f"/students/{student.pk}/?reveal=1").content.decode()
    assert "健康或良好" in approver  # the school's approver decides on this record too

    # Nobody outside the school reveals anything, asking or not: the page offers nothing either.
    for reader in (world.officer,):
        page = login(reader).get(f"/students/{student.pk}/?tab=info&reveal=1").content.decode()
        assert "健康或良好" not in page and "无残疾" not in page and "（敏感信息，不显示）" in page
        assert "显示这些信息" not in page
    assert AuditEvent.objects.filter(action="student.reveal").count() == 2


def test_r21_1_a_health_change_reads_masked_in_the_history_until_revealed(world):
    from xueji.students.services import student_update

    student = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(health=""),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )
    student_update(actor=world.registrar_a, student=student, changes={"health": "30"})  # R5.1: filled
    registrar = login(world.registrar_a)
    history = registrar.get(f"/students/{student.pk}/?tab=history").content.decode()
    assert "健康状况" in history and "有慢性病" not in history and "（敏感信息，不显示）" in history
    revealed = registrar.get(f"/students/{student.pk}/?tab=history&reveal=1").content.decode()
    assert "有慢性病" in revealed


def test_the_change_history_reads_names_never_codes_or_ids(world):
    """Issue 13: a class placed reads as the class's name (not "（空）→ 10"), a code as its name
    (女, not "2 女")."""
    from xueji.students.status import enrollment_place_in_class

    (student,) = _register(world, 1, school=world.school_a)  # registered without a class
    enrollment_place_in_class(actor=world.registrar_a, student=student, school_class=world.class_a1)
    history = login(world.registrar_a).get(f"/students/{student.pk}/?tab=history").content.decode()
    row = next(line for line in history.split("<tr>") if "所在班级" in line or "班级" in line)
    assert "一年级（1）班" in row and f">{world.class_a1.pk}<" not in row
    created = login(world.registrar_a).get(f"/students/{student.pk}/?tab=info").content.decode()
    assert "2 女" not in created and "01 汉族" not in created


@pytest.mark.parametrize(
    "name",
    [
        "王\U0002000b明",  # 𠀋, Extension B
        "李\U0002a700",  # Extension C
        "张\U00030000",  # Extension G
        "赵\U0002f800",  # compatibility supplement
        "陈\uf900",  # compatibility ideograph
        "刘〇",
    ],
)
def test_names_beyond_the_basic_plane_are_han_and_round_trip(world, name):
    """Issue 13: 生僻字 outside the BMP are 汉字: accepted, and read back the same through the page,
    the search, the API and the Excel export."""
    from python_calamine import CalamineWorkbook

    from tests.api.conftest import API, bearer

    (student,) = [
        student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student_payload(name=name),
            family=family_payload(),
            enrollment=enrollment_payload(),
        )
    ]
    assert Student.objects.get(pk=student.pk).name == name
    client = login(world.registrar_a)
    assert name in client.get(f"/students/{student.pk}/").content.decode()
    assert name in client.post("/students/", {"q": name}, follow=True).content.decode()
    assert bearer(world.registrar_a).get(f"{API}/students/{student.pk}").json()["name"] == name
    book = client.post("/students/export.xlsx", {"q": name, "layout": "list"})
    rows = (
        CalamineWorkbook.from_filelike(BytesIO(b"".join(book.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert any(name in [str(c) for c in row] for row in rows)

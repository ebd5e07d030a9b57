"""Calendar writes (RULES.md Calendar, R10.7): who may write, CSV parsing, whole-year loads, audit, admin."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tests.conftest import PASSWORD, clear_audit, login
from xueji.audit.models import AuditEvent
from xueji.core import calendar
from xueji.core.calendar import WorkingCalendar, add_working_days, is_working_day
from xueji.core.errors import Conflict, RuleViolation
from xueji.core.models import CalendarOverride, CalendarYear
from xueji.org.calendar_services import (
    CalendarRow,
    calendar_csv_parse,
    calendar_day_delete,
    calendar_day_set,
    calendar_year_load,
)
from xueji.org.models import Role, User

D = dt.date
HOLIDAYS_2026 = Path("/work/shared/reference/codes/holidays_2026.csv")
SHARED_CSV = (
    HOLIDAYS_2026.read_bytes()
    if HOLIDAYS_2026.exists()
    else b"date,weekday,kind,holiday\n2026-01-01,Thu,holiday,New Year's Day\n"
)
NON_ADMINS = ["registrar_a", "approver_a", "officer", "auditor"]


def days_of(year: int) -> list[dt.date]:
    first = D(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((D(year + 1, 1, 1) - first).days)]


@pytest.fixture
def admin_wf(world):
    """The district admin of 文峰区: a district that is not the deployment's home district."""
    user = User(
        username="admin_wf", role=Role.DISTRICT_ADMIN, jurisdiction=world.wenfeng, full_name="冯管理员"
    )
    user.set_password(PASSWORD)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def superuser(world):
    return User.objects.create_superuser(username="root", password=PASSWORD, role="")


@pytest.fixture
def staff_admin(world):
    world.admin.is_staff = True  # district admins keep master data in Django admin (org.services)
    world.admin.save()
    return world.admin


def messages_of(exc: pytest.ExceptionInfo[RuleViolation]) -> list[str]:
    return [v.message for v in getattr(exc.value, "violations", [exc.value])]


# ---------------------------------------------------------------------- the shared 2026 file


def test_calendar_csv_parse_of_shared_holidays_2026_reproduces_the_library_day_by_day():
    rows = calendar_csv_parse(SHARED_CSV)
    assert len(rows) == 39
    assert rows[0] == CalendarRow(D(2026, 1, 1), "holiday", "New Year's Day", 2)
    assert rows[-1] == CalendarRow(D(2026, 10, 10), "workday", "National Day", 40)
    kinds = {row.day: row.kind for row in rows}
    for day in days_of(2026):
        ours = kinds[day] == "workday" if day in kinds else day.weekday() < 5
        assert ours == chinese_calendar.is_workday(day), day


def test_calendar_loaded_2026_schedule_alone_reproduces_the_library(world, monkeypatch):
    """As if the installed chinesecalendar were 1.10 (up to 2025): the loaded file must do its work."""
    monkeypatch.setattr(calendar, "LIBRARY_YEARS", range(2004, 2026))
    assert add_working_days(D(2026, 9, 18), 10).provisional is True
    calendar_year_load(actor=world.admin, year=2026, rows=calendar_csv_parse(SHARED_CSV), source="国办发明电")
    cal = WorkingCalendar(district=world.beiguan)
    cal.load(D(2026, 1, 1), D(2026, 12, 31))
    for day in days_of(2026):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        assert cal.is_provisional(day) is False
    assert add_working_days(D(2026, 9, 18), 10) == calendar.WorkingDay(D(2026, 10, 9))


def test_calendar_csv_parse_accepts_bom_chinese_headers_chinese_kinds_and_gb18030():
    text = "日期,类型,说明\n2027-01-01,放假,元旦\n2027/2/7,调休上班,春节\n2027年2月8日,休息,\n2027.02.20,上班,补班\n"
    expected = [
        CalendarRow(D(2027, 1, 1), "holiday", "元旦", 2),
        CalendarRow(D(2027, 2, 7), "workday", "春节", 3),
        CalendarRow(D(2027, 2, 8), "holiday", "", 4),
        CalendarRow(D(2027, 2, 20), "workday", "补班", 5),
    ]
    assert calendar_csv_parse(("\ufeff" + text).encode()) == expected
    assert calendar_csv_parse(text.encode("gb18030")) == expected
    assert calendar_csv_parse(SimpleUploadedFile("2027.csv", text.encode())) == expected
    crlf = b"date,kind,note\r\n\r\n2027-01-01,Holiday,\r\n2027-02-07,WORKING_DAY,x\r\n"
    assert [(r.day, r.kind, r.line) for r in calendar_csv_parse(crlf)] == [
        (D(2027, 1, 1), "holiday", 3),
        (D(2027, 2, 7), "workday", 4),
    ]


def test_r10_7_bad_csv_rows_give_line_numbered_errors_and_write_nothing(world):
    bad = (
        "date,weekday,kind,holiday\n"
        "2027-01-01,Fri,holiday,元旦\n"
        "2027-02-30,Tue,holiday,春节\n"
        "2027-02-07,Sun,放假吧,春节\n"
        "2027-01-01,Fri,holiday,元旦\n"
        "2027-02-08,Tue,holiday,春节\n"
    ).encode()
    with pytest.raises(RuleViolation) as exc:
        calendar_csv_parse(bad)
    assert exc.value.rule == "R10.7"
    assert messages_of(exc) == [
        "第3行：日期“2027-02-30”无效：请按 YYYY-MM-DD 填写，如 2027-01-01。",
        "第4行：类型“放假吧”无法识别：请填写 放假（holiday）或 上班（workday）。",
        "第5行：日期 2027-01-01 重复（已见于第2行）：每天只能有一条安排。",
        "第6行：2027-02-08 是星期一，与所填“Tue”不符：请核对日期。",
    ]
    assert not CalendarOverride.objects.exists() and not CalendarYear.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "第1行：表头应包含 date（日期）和 kind（类型）两列"),
        (b"2027-01-01,holiday\n", "第1行：表头应包含 date（日期）和 kind（类型）两列"),
        (b"date,kind,note\n\n", "没有任何日期"),
        (b"\xff\xfe\x00\x00garbage\x00", "无法识别文件编码"),
        (b"date,kind\n2027-01-01,holiday,\x00\n", "第2行：含有空字符"),
        (b'date,kind\n2027-01-01,holiday,"' + b"x" * 140000 + b'"\n', "第2行：文件无法按 CSV 读取"),
        (b"date,kind\n" + b"2027-01-01,holiday\n" * 40000, "文件过大"),
    ],
)
def test_r10_7_unreadable_csv_is_refused_in_chinese(content, message):
    with pytest.raises(RuleViolation) as exc:
        calendar_csv_parse(content)
    assert messages_of(exc)[0].startswith(message)
    assert exc.value.rule == "R10.7"


def test_r10_7_year_load_validates_every_row_and_writes_nothing(world):
    rows = [
        CalendarRow(D(2027, 1, 1), "holiday", "元旦", 2),
        CalendarRow(D(2028, 1, 1), "holiday", "元旦", 3),
        (D(2027, 1, 1), "放假", "重复"),
        ("2027-13-01", "holiday"),
        (D(2027, 5, 1), "maybe", ""),
        {"date": "2027-05-02", "kind": "holiday", "note": "长" * 101},
        ("only one",),
    ]
    with pytest.raises(RuleViolation) as exc:
        calendar_year_load(actor=world.admin, year=2027, rows=rows)
    assert messages_of(exc) == [
        "第3行：日期 2028-01-01 不在 2027 年内：一次只能载入一个年度的安排，请分年载入。",
        "第3条：日期 2027-01-01 重复（已见于第2行）：每天只能有一条安排。",
        "第4条：日期“2027-13-01”无效：请按 YYYY-MM-DD 填写，如 2027-01-01。",
        "第5条：类型“maybe”无法识别：请填写 放假（holiday）或 上班（workday）。",
        "第6条：说明不能超过100个字。",
        "第7条：格式不对：每条应包含日期、类型和说明（可空）。",
    ]
    assert {v.rule for v in exc.value.violations} == {"R10.7"}
    assert not CalendarOverride.objects.exists() and not CalendarYear.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("year", [1999, 2100, "二〇二七", None])
def test_r10_7_year_load_refuses_a_year_out_of_range(world, year):
    with pytest.raises(RuleViolation) as exc:
        calendar_year_load(actor=world.admin, year=year, rows=[(D(2027, 1, 1), "holiday", "")])
    assert (exc.value.rule, exc.value.field) == ("R10.7", "year")


def test_r10_7_year_load_refuses_an_empty_schedule(world):
    with pytest.raises(RuleViolation) as exc:
        calendar_year_load(actor=world.admin, year=2027, rows=[])
    assert exc.value.message == "没有任何日期：请提供该年度全部放假日期和调休上班日期。"


def test_r10_7_day_set_refuses_bad_input_field_by_field(world):
    with pytest.raises(RuleViolation) as exc:
        calendar_day_set(actor=world.admin, day="明天", kind="半天", note="x" * 101)
    assert [(v.field, v.rule) for v in exc.value.violations] == [
        ("day", "R10.7"),
        ("kind", "R10.7"),
        ("note", "R10.7"),
    ]
    assert not CalendarOverride.objects.exists()
    with pytest.raises(RuleViolation) as exc:
        calendar_day_set(actor=world.admin, day=D(1999, 10, 1), kind="放假")
    assert exc.value.message == "年份“1999”无效：应为 2000 至 2099 之间的四位年份。"


# ---------------------------------------------------------------------- whole-year loads


def test_calendar_year_load_replaces_that_years_rows_of_that_scope_only(world):
    calendar_day_set(
        actor=world.admin, day=D(2027, 3, 3), kind="holiday", note="本区停课", jurisdiction=world.beiguan
    )
    calendar_day_set(actor=world.admin, day=D(2028, 1, 3), kind="holiday", note="下一年")
    calendar_year_load(
        actor=world.admin,
        year=2027,
        rows=[
            (D(2027, 1, 1), "holiday", "元旦"),
            (D(2027, 2, 7), "workday", "春节"),
            (D(2027, 2, 8), "holiday", ""),
        ],
    )
    clear_audit()
    record = calendar_year_load(
        actor=world.admin,
        year=2027,
        rows=[
            (D(2027, 1, 1), "holiday", "元旦节"),
            (D(2027, 2, 7), "holiday", "更正"),
            (D(2027, 5, 1), "放假", ""),
        ],
        source="第二版",
    )
    deployment = dict(CalendarOverride.objects.filter(jurisdiction=None).values_list("day", "kind"))
    assert deployment == {
        D(2027, 1, 1): "holiday",
        D(2027, 2, 7): "holiday",
        D(2027, 5, 1): "holiday",
        D(2028, 1, 3): "holiday",
    }
    assert CalendarOverride.objects.get(day=D(2027, 1, 1), jurisdiction=None).note == "元旦节"
    assert CalendarOverride.objects.filter(jurisdiction=world.beiguan).count() == 1  # other scope untouched
    assert (record.year, record.jurisdiction, record.source, record.day_count, record.loaded_by) == (
        2027,
        None,
        "第二版",
        3,
        world.admin,
    )
    assert CalendarYear.objects.count() == 1
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.rules, event.subject_id) == (
        "calendar_year.load",
        world.admin,
        ["R10.7"],
        str(record.pk),
    )
    assert event.changes["added"] == {"2027-05-01": "holiday"}
    assert event.changes["removed"] == {"2027-02-08": "holiday"}
    assert event.changes["changed"] == {"2027-02-07": ["workday", "holiday"]}
    assert event.changes["notes"] == {"2027-01-01": ["元旦", "元旦节"], "2027-02-07": ["春节", "更正"]}
    assert event.changes["days"] == [3, 3]


def test_calendar_district_year_load_leaves_the_deployment_wide_year_alone(world):
    calendar_year_load(actor=world.admin, year=2027, rows=[(D(2027, 1, 1), "holiday", "元旦")])
    calendar_year_load(
        actor=world.admin,
        year=2027,
        rows=[(D(2027, 6, 1), "holiday", "区运动会")],
        jurisdiction=world.beiguan,
    )
    assert CalendarOverride.objects.count() == 2
    assert CalendarYear.objects.count() == 2
    assert is_working_day(D(2027, 1, 1), district=world.beiguan) is False
    assert is_working_day(D(2027, 6, 1), district=world.beiguan) is False
    assert is_working_day(D(2027, 6, 1), district=world.wenfeng) is True


# ---------------------------------------------------------------------- one day: audit and storage


def test_calendar_day_set_creates_then_changes_one_row_with_one_audit_event_each(world):
    created = calendar_day_set(
        actor=world.admin, day=D(2026, 9, 21), kind="放假", note="暴雨停课", jurisdiction=world.beiguan
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.rules, event.district_code) == (
        "calendar_override.create",
        world.admin,
        ["R10.7"],
        "410503",
    )
    assert event.changes == {
        "day": "2026-09-21",
        "scope": "北关区（410503）",
        "kind": [None, "holiday"],
        "note": [None, "暴雨停课"],
    }
    changed = calendar_day_set(
        actor=world.admin, day="2026-09-21", kind="上班", note="恢复上课", jurisdiction=world.beiguan
    )
    assert changed.pk == created.pk and CalendarOverride.objects.count() == 1
    assert (changed.kind, changed.note, changed.updated_by) == ("workday", "恢复上课", world.admin)
    update = AuditEvent.objects.get(action="calendar_override.update")
    assert update.changes["kind"] == ["holiday", "workday"]
    assert AuditEvent.objects.count() == 2


def test_calendar_day_delete_falls_back_to_the_library_with_one_audit_event(world):
    override = calendar_day_set(actor=world.admin, day=D(2026, 10, 9), kind="holiday", note="误录")
    assert is_working_day(D(2026, 10, 9)) is False
    calendar_day_delete(actor=world.admin, override=override)
    assert is_working_day(D(2026, 10, 9)) is True
    event = AuditEvent.objects.get(action="calendar_override.delete")
    assert event.changes["kind"] == ["holiday", None]
    assert AuditEvent.objects.count() == 2


def test_calendar_one_override_per_day_per_scope_is_held_by_the_database(world):
    CalendarOverride.objects.create(day=D(2027, 1, 1), kind="holiday")
    CalendarOverride.objects.create(day=D(2027, 1, 1), kind="holiday", jurisdiction=world.beiguan)
    CalendarOverride.objects.create(day=D(2027, 1, 1), kind="workday", jurisdiction=world.wenfeng)
    for scope in (None, world.beiguan):
        with pytest.raises(IntegrityError), transaction.atomic():
            CalendarOverride.objects.create(day=D(2027, 1, 1), kind="workday", jurisdiction=scope)
    CalendarYear.objects.create(year=2027, loaded_at="2026-11-01T00:00:00Z")
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarYear.objects.create(year=2027, loaded_at="2026-11-01T00:00:00Z")
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarOverride.objects.create(day=D(2027, 1, 2), kind="maybe")


# ---------------------------------------------------------------------- who may write


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_calendar_only_district_admins_write_the_calendar(world, persona):
    actor = getattr(world, persona)
    with pytest.raises(PermissionDenied, match="只有区系统管理员可以维护工作日日历"):
        calendar_day_set(actor=actor, day=D(2026, 9, 21), kind="holiday", jurisdiction=world.beiguan)
    with pytest.raises(PermissionDenied):
        calendar_year_load(actor=actor, year=2027, rows=[(D(2027, 1, 1), "holiday", "")])
    assert not CalendarOverride.objects.exists() and not AuditEvent.objects.exists()


def test_calendar_admin_of_wenfeng_cannot_write_beiguan_closures(world, admin_wf):
    with pytest.raises(PermissionDenied) as exc:
        calendar_day_set(actor=admin_wf, day=D(2026, 9, 21), kind="holiday", jurisdiction=world.beiguan)
    assert str(exc.value) == "北关区不在您的管辖范围内，不能设置其放假或上班安排；请联系该地区的系统管理员。"
    override = calendar_day_set(
        actor=world.admin, day=D(2026, 9, 21), kind="holiday", jurisdiction=world.beiguan
    )
    with pytest.raises(PermissionDenied):
        calendar_day_delete(actor=admin_wf, override=override)
    with pytest.raises(PermissionDenied):
        calendar_year_load(
            actor=admin_wf, year=2027, rows=[(D(2027, 1, 1), "holiday", "")], jurisdiction=world.beiguan
        )
    calendar_day_set(actor=admin_wf, day=D(2026, 9, 21), kind="holiday", jurisdiction=world.wenfeng)
    assert CalendarOverride.objects.count() == 2


def test_calendar_deployment_wide_rows_only_by_the_home_district_admin_or_a_superuser(
    world, admin_wf, superuser, settings
):
    assert settings.XUEJI["HOME_DISTRICT_CODE"] == "410503"
    with pytest.raises(PermissionDenied) as exc:
        calendar_year_load(actor=admin_wf, year=2027, rows=[(D(2027, 1, 1), "holiday", "")])
    assert str(exc.value).startswith(
        "全系统适用的节假日安排（如国务院公布的新年度安排）只能由北关区的区系统管理员"
    )
    calendar_year_load(actor=world.admin, year=2027, rows=[(D(2027, 1, 1), "holiday", "")])
    calendar_day_set(actor=superuser, day=D(2027, 1, 2), kind="holiday")
    assert CalendarOverride.objects.filter(jurisdiction=None).count() == 2


def test_calendar_inactive_admin_is_refused(world):
    world.admin.is_active = False
    world.admin.save()
    with pytest.raises(PermissionDenied, match="账号不可用"):
        calendar_day_set(actor=world.admin, day=D(2026, 9, 21), kind="holiday", jurisdiction=world.beiguan)


# ---------------------------------------------------------------------- Django admin


def test_calendar_admin_pages_for_the_district_admin(world, staff_admin, admin_wf):
    calendar_day_set(
        actor=world.admin, day=D(2026, 9, 21), kind="holiday", note="北关停课", jurisdiction=world.beiguan
    )
    calendar_day_set(
        actor=admin_wf, day=D(2026, 9, 22), kind="holiday", note="文峰停课", jurisdiction=world.wenfeng
    )
    calendar_day_set(actor=world.admin, day=D(2027, 1, 1), kind="holiday", note="元旦")
    client = login(staff_admin)
    page = client.get(reverse("admin:core_calendaroverride_changelist"))
    assert page.status_code == 200
    assert "北关停课" in page.text and "元旦" in page.text and "文峰停课" not in page.text
    assert "载入全年安排" in page.text
    assert client.get(reverse("admin:core_calendaryear_changelist")).status_code == 200
    assert client.get(reverse("admin:core_calendaryear_load")).status_code == 200


def test_calendar_admin_is_closed_to_other_roles(world):
    world.officer.is_staff = True
    world.officer.save()
    for user in (world.registrar_a, world.officer):
        client = login(user)
        assert client.get(reverse("admin:core_calendaroverride_changelist")).status_code in (302, 403)
        assert client.get(reverse("admin:core_calendaryear_load")).status_code in (302, 403)


def test_calendar_admin_add_goes_through_the_service(world, staff_admin):
    client = login(staff_admin)
    response = client.post(
        reverse("admin:core_calendaroverride_add"),
        {"day": "2026-09-21", "kind": "holiday", "note": "暴雨停课", "jurisdiction": world.beiguan.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get()
    assert (override.day, override.jurisdiction, override.updated_by) == (
        D(2026, 9, 21),
        world.beiguan,
        world.admin,
    )
    assert (
        AuditEvent.objects.exclude(action__startswith="account.").get().action == "calendar_override.create"
    )
    again = client.post(
        reverse("admin:core_calendaroverride_add"),
        {"day": "2026-09-21", "kind": "workday", "note": "", "jurisdiction": world.beiguan.pk},
    )
    assert again.status_code == 200 and "该范围内这一天已有设置" in again.text
    change = client.post(
        reverse("admin:core_calendaroverride_change", args=[override.pk]), {"kind": "workday", "note": "恢复"}
    )
    assert change.status_code == 302
    override.refresh_from_db()
    assert (override.kind, override.day, override.jurisdiction) == ("workday", D(2026, 9, 21), world.beiguan)
    delete = client.post(reverse("admin:core_calendaroverride_delete", args=[override.pk]), {"post": "yes"})
    assert delete.status_code == 302 and not CalendarOverride.objects.exists()
    assert list(
        AuditEvent.objects.exclude(action__startswith="account.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "calendar_override.create",
        "calendar_override.update",
        "calendar_override.delete",
    ]


def test_calendar_admin_keeps_deployment_wide_rows_read_only_for_other_districts(world, admin_wf):
    override = calendar_day_set(actor=world.admin, day=D(2027, 1, 1), kind="holiday", note="元旦")
    client = login(admin_wf)
    url = reverse("admin:core_calendaroverride_change", args=[override.pk])
    assert client.get(url).status_code == 200  # visible: it applies to 文峰区 too
    assert client.post(url, {"kind": "workday", "note": ""}).status_code == 403
    assert (
        client.post(
            reverse("admin:core_calendaroverride_delete", args=[override.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    refused = client.post(
        reverse("admin:core_calendaroverride_add"), {"day": "2027-01-02", "kind": "holiday", "note": ""}
    )
    assert refused.status_code == 200 and "这个字段是必填项" in refused.text
    assert CalendarOverride.objects.count() == 1


def test_calendar_admin_loads_the_shared_2026_csv(world, staff_admin):
    client = login(staff_admin)
    response = client.post(
        reverse("admin:core_calendaryear_load"),
        {
            "year": "2026",
            "jurisdiction": "",
            "source": "国务院办公厅关于2026年部分节假日安排的通知",
            "file": SimpleUploadedFile("holidays_2026.csv", SHARED_CSV, content_type="text/csv"),
        },
    )
    assert response.status_code == 302
    record = CalendarYear.objects.get()
    assert (record.year, record.jurisdiction, record.day_count) == (2026, None, 39)
    assert CalendarOverride.objects.count() == 39
    assert AuditEvent.objects.exclude(action__startswith="account.").get().action == "calendar_year.load"


def test_calendar_admin_load_shows_line_numbered_errors_and_writes_nothing(world, staff_admin, admin_wf):
    bad = "date,kind,note\n2027-01-01,放假,元旦\n2027-02-31,放假,春节\n".encode()
    response = login(staff_admin).post(
        reverse("admin:core_calendaryear_load"),
        {"year": "2027", "file": SimpleUploadedFile("2027.csv", bad, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "第3行：日期“2027-02-31”无效" in response.text
    wrong_year = login(staff_admin).post(
        reverse("admin:core_calendaryear_load"),
        {"year": "2028", "file": SimpleUploadedFile("2027.csv", bad[:40], content_type="text/csv")},
    )
    assert "第2行：日期 2027-01-01 不在 2028 年内" in wrong_year.text
    refused = login(admin_wf).post(
        reverse("admin:core_calendaryear_load"),
        {
            "year": "2027",
            "jurisdiction": str(world.beiguan.pk),
            "file": SimpleUploadedFile("2027.csv", bad[:40], content_type="text/csv"),
        },
    )
    assert refused.status_code == 200
    assert not CalendarOverride.objects.exists() and not CalendarYear.objects.exists()
    assert not AuditEvent.objects.exclude(action__startswith="account.").exists()


# ---------------------------------------------------------------------- races (PostgreSQL)


def _race(n: int, call) -> list[object]:
    """Run ``call(i)`` in n threads released at the same instant; results or exceptions, in order."""
    barrier = threading.Barrier(n)

    def run(i: int) -> object:
        try:
            barrier.wait()
            return call(i)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_calendar_simultaneous_loads_of_a_new_year_leave_one_schedule(world):
    rows = [(D(2027, 1, 1), "holiday", "元旦"), (D(2027, 2, 7), "workday", "春节")]
    results = _race(8, lambda i: calendar_year_load(actor=world.admin, year=2027, rows=rows))
    loaded = [r for r in results if isinstance(r, CalendarYear)]
    refused = [r for r in results if not isinstance(r, CalendarYear)]
    assert loaded and all(isinstance(r, Conflict) and r.rule == "R10.7" for r in refused), results
    assert CalendarYear.objects.count() == 1
    assert sorted(CalendarOverride.objects.values_list("day", "kind")) == [
        (D(2027, 1, 1), "holiday"),
        (D(2027, 2, 7), "workday"),
    ]
    assert AuditEvent.objects.filter(action="calendar_year.load").count() == len(loaded)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_calendar_simultaneous_day_sets_keep_one_row(world):
    results = _race(
        8,
        lambda i: calendar_day_set(
            actor=world.admin, day=D(2026, 9, 21), kind="holiday", note=f"第{i}次", jurisdiction=world.beiguan
        ),
    )
    saved = [r for r in results if isinstance(r, CalendarOverride)]
    assert saved and all(isinstance(r, Conflict) for r in results if r not in saved), results
    assert CalendarOverride.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="calendar_override.").count() == len(saved)

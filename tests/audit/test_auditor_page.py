"""R21.1: the auditor reads the log in Chinese — the action's name, the student's masked name
instead of an id — filters it by days, person, school, action and student, and exports it
(the export itself logged); every action has its Chinese label."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import login
from tests.exchange.test_exports import records, register
from xueji.audit import actions
from xueji.audit.labels import LABELS, action_label
from xueji.audit.models import AuditEvent
from xueji.core import clock


def test_every_action_has_a_chinese_label():
    names = {value for key, value in vars(actions).items() if key.isupper() and isinstance(value, str)}
    assert names - set(LABELS) == set()
    assert action_label("transfer.approve", {"transfer": "转学"}) == "转学·同意"
    assert action_label("school.create") == "新增学校"


def test_r21_1_the_log_reads_in_chinese_with_masked_names(world):
    student = register(world, name="王小明")
    login(world.registrar_a).get(f"/students/{student.pk}/")
    page = login(world.auditor).get("/audit/").content.decode()
    assert "新生注册" in page and "查看学生" in page and "学生 王*明" in page
    assert ">student.register<" not in page and f"Student {student.pk}" not in page and "王小明" not in page


def test_r21_1_filters_by_student_person_school_action_and_days(world):
    a = register(world, name="王小明")
    c = register(world, name="孙小东", school=world.school_c, registrar=world.registrar_c)
    client = login(world.auditor)
    by_student = client.post("/audit/", {"student": a.xjh}, follow=True)
    assert a.xjh not in by_student.redirect_chain[-1][0]  # the number is posted, not in the URL
    text = by_student.content.decode()
    assert "王*明" in text and "孙*东" not in text
    assert (
        "没有这个学籍号"
        in client.post("/audit/", {"student": "G000000000000000000"}, follow=True).content.decode()
    )
    by_actor = client.post(
        "/audit/", {"actor": "张老师", "action": "student.register"}, follow=True
    ).content.decode()
    assert "共 1 条" in by_actor
    by_school = client.post("/audit/", {"school": world.school_b.pk}, follow=True).content.decode()
    assert "共 0 条" in by_school
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    assert "共 0 条" in client.post("/audit/", {"date_from": tomorrow}, follow=True).content.decode()
    # 文峰区's school is outside the 北关区 auditor's jurisdiction whatever the filter.
    assert "孙*东" not in client.post("/audit/", {"student": c.xjh}, follow=True).content.decode()


def test_r21_1_the_export_holds_the_filtered_rows_and_is_logged(world):
    register(world, name="王小明")
    client = login(world.auditor)
    moved = client.post("/audit/", {"action": "student.register"})
    key = re.search(r"s=([\w-]+)", moved["Location"]).group(1)
    answer = client.get(f"/audit/?s={key}&export=xlsx")
    rows = records(b"".join(answer.streaming_content))
    assert [r["操作"] for r in rows] == ["新生注册"] and rows[0]["对象"] == "学生 王*明"
    assert AuditEvent.objects.filter(action=actions.AUDIT_EXPORT, actor=world.auditor).exists()


@pytest.mark.parametrize("persona", ["registrar_a", "officer", "admin"])
def test_only_auditors_read_the_log(world, persona):
    assert login(getattr(world, persona)).get("/audit/").status_code == 403


def test_r21_1_changes_read_by_field_name_and_article_not_code(world):
    register(world, name="王小明")
    page = login(world.auditor).post("/audit/", {"action": "student.register"}, follow=True).content.decode()
    assert "学籍号：" in page and "xjh：" not in page
    assert "依据第" in page and "R3.1" not in page


def test_separate_duties_an_administrators_account_is_read_only_to_the_security_admin(world):
    world.security.is_staff = True
    world.security.save()
    client = login(world.security)
    page = client.get(f"/admin/org/user/{world.admin.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/org/user/{world.admin.pk}/change/", {"full_name": "改名"}).status_code == 403
    ordinary = client.get(f"/admin/org/user/{world.registrar_a.pk}/change/")
    assert 'name="_save"' in ordinary.content.decode()


def test_notes_and_bare_records_read_in_chinese(world):
    """The auditor reads 「查看：家庭成员」 and 「学籍变动材料（记录号 7）」, never tab=family or CaseDocument 7."""
    from xueji.audit.labels import note_label

    assert note_label("tab=family") == "查看：家庭成员"
    assert note_label("inline") == "在浏览器中打开" and note_label("api history") == "通过接口查看变更记录"
    assert note_label("suspension:new", {"suspension": "休学"}) == "休学：发起页面"
    assert note_label("已核对") == "已核对"

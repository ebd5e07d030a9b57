"""R19.1, R19.2: a registrar acts only once the school has filed it with the district and the district
has recorded its training; a change of registrar is filed with an official document, acknowledged by
the district, which takes the predecessor's account out of service; who held the post is kept."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from tests.api.conftest import API, bearer
from tests.conftest import PASSWORD, login
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.org import registrar_services
from xueji.org.models import ApiToken, RegistrarFiling, Role, User
from xueji.org.services import user_create
from xueji.org.tokens import api_token_issue
from xueji.students.services import student_register

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NOT_FILED = "学籍管理员备案尚未完成"


def _new_registrar(world, username: str = "reg_new") -> User:
    return user_create(
        actor=world.security,
        username=username,
        password=PASSWORD,
        full_name="陈老师",
        role=Role.REGISTRAR,
        school=world.school_a,
    )


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # a new request's user: R19 standing read again


def _file(world, user: User, **extra):
    form = {
        "action": "file",
        "user": user.pk,
        "full_name": user.full_name,
        "phone": "13912345678",
        "document": SimpleUploadedFile("任命文件.pdf", PDF, content_type="application/pdf"),
        **extra,
    }
    return login(world.approver_a).post("/registrars/", form, follow=True)


def _register(actor, world):
    return student_register(
        actor=actor,
        school=world.school_a,
        student=student_payload(),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )


def test_r19_1_an_unfiled_registrar_logs_in_sees_why_and_can_do_nothing(world):
    new = _new_registrar(world)
    client = login(new)
    home = client.get("/").content.decode()
    assert "学籍管理员备案尚未完成" in home and "学校尚未为您报备" in home
    assert "学生查询" not in home  # no menu to pages it cannot open
    refused = client.get("/students/")
    assert refused.status_code == 403 and NOT_FILED in refused.content.decode()
    with pytest.raises(PermissionDenied, match=NOT_FILED):
        _register(_fresh(new), world)
    raw, _ = api_token_issue(user=new)
    answer = bearer(new).get(f"{API}/students")
    assert answer.status_code == 403 and NOT_FILED in json.dumps(answer.json(), ensure_ascii=False)
    assert raw


def test_r19_1_filed_then_trained_and_acknowledged_the_registrar_acts(world):
    new = _new_registrar(world)
    page = _file(world, new).content.decode()
    assert "已向区教育局报备陈老师" in page
    filing = RegistrarFiling.objects.get(user=new)
    assert filing.state == "filed" and filing.document_name == "任命文件.pdf"
    waiting = login(new).get("/").content.decode()
    assert "正等待区教育局登记培训并确认" in waiting
    officer = login(world.officer)
    assert "待确认的报备（1）" in officer.get("/registrars/").content.decode()
    tomorrow = clock.today() + dt.timedelta(days=1)
    early = officer.post(
        "/registrars/", {"action": "acknowledge", "filing": filing.pk, "trained_on": tomorrow}, follow=True
    )
    assert "请填写已完成培训的日期" in early.content.decode()
    assert RegistrarFiling.objects.get(pk=filing.pk).state == "filed"
    done = officer.post(
        "/registrars/",
        {"action": "acknowledge", "filing": filing.pk, "trained_on": clock.today()},
        follow=True,
    )
    assert "陈老师在北关区红旗路小学上岗" in done.content.decode() or "上岗" in done.content.decode()
    assert login(new).get("/students/").status_code == 200
    assert _register(_fresh(new), world).pk


def test_r19_2_a_change_of_registrar_ends_the_predecessor_and_keeps_the_history(world):
    leaving = world.registrar_a
    raw, _ = api_token_issue(user=leaving)
    new = _new_registrar(world)
    _file(world, new, replaces=leaving.pk)
    filing = RegistrarFiling.objects.get(user=new, state="filed")
    assert filing.replaces.user == leaving
    registrar_services.registrar_acknowledge(actor=world.officer, filing=filing, trained_on=clock.today())
    leaving.refresh_from_db()
    assert not leaving.is_active
    assert not ApiToken.objects.filter(user=leaving, revoked_at__isnull=True).exists()
    assert RegistrarFiling.objects.get(user=leaving).state == "ended"
    history = login(world.approver_a).get("/registrars/").content.decode()
    assert "张老师" in history and "陈老师" in history and "已离岗" in history and "在岗" in history
    stale = Client(headers={"Authorization": f"Bearer {raw}"})
    assert stale.get(f"{API}/students").status_code == 401


def test_r19_1_a_returned_filing_tells_the_registrar_why(world):
    new = _new_registrar(world)
    _file(world, new)
    filing = RegistrarFiling.objects.get(user=new)
    with pytest.raises(RuleViolation, match="请写明退回的理由"):
        registrar_services.registrar_return(actor=world.officer, filing=filing, reason="不行")
    registrar_services.registrar_return(actor=world.officer, filing=filing, reason="任命文件缺少学校公章")
    assert "任命文件缺少学校公章" in login(new).get("/").content.decode()
    again = _file(world, new).content.decode()  # the school files again
    assert "已向区教育局报备" in again


@pytest.mark.parametrize(("days", "acts"), [(0, True), (-1, False)])
def test_r19_1_a_registrar_from_before_filing_acts_until_its_grace_runs_out(world, days, acts):
    RegistrarFiling.objects.filter(user=world.registrar_a).update(
        state="grace", grace_until=clock.today() + dt.timedelta(days=days), trained_on=None
    )
    user = _fresh(world.registrar_a)
    assert user.has_role(Role.REGISTRAR) is acts
    home = login(user).get("/").content.decode()
    assert ("过渡期内" in home) is acts and ("过渡期已于" in home) is not acts


def test_r19_filing_needs_a_document_and_a_registrar_of_the_approvers_school(world):
    new = _new_registrar(world)
    no_document = _file(world, new, document="").content.decode()
    assert "请上传任命文件" in no_document
    with pytest.raises(RuleViolation, match="只能报备本校"):
        registrar_services.registrar_file(
            actor=world.approver_a,
            user=world.registrar_b,
            full_name="赵老师",
            phone="13900000000",
            document=None,
        )
    with pytest.raises(RuleViolation, match="已在岗"):
        registrar_services.registrar_file(
            actor=world.approver_a,
            user=world.registrar_a,
            full_name="张老师",
            phone="13900000000",
            document=None,
        )


def test_r19_scope_only_the_school_and_its_district_read_a_filing(world):
    new = _new_registrar(world)
    _file(world, new)
    filing = RegistrarFiling.objects.get(user=new)
    assert login(world.approver_a).get(f"/registrars/{filing.pk}/document/").status_code == 200
    assert login(world.officer).get(f"/registrars/{filing.pk}/document/").status_code == 200
    assert login(world.officer_wf).get(f"/registrars/{filing.pk}/document/").status_code == 404
    assert "陈老师" not in login(world.officer_wf).get("/registrars/").content.decode()
    with pytest.raises(PermissionDenied):
        registrar_services.registrar_acknowledge(
            actor=world.officer_wf, filing=filing, trained_on=clock.today()
        )
    assert login(world.registrar_a).get("/registrars/").status_code == 403
    answer = login(world.officer_wf).post(
        "/registrars/", {"action": "acknowledge", "filing": filing.pk, "trained_on": clock.today()}
    )
    assert answer.status_code == 404


BEFORE = [("org", "0004_registrar_filing")]
AFTER = [("org", "0005_registrars_in_grace")]


@pytest.mark.django_db(transaction=True)
def test_r19_1_registrars_working_before_filing_began_get_a_grace_period(settings):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Jurisdiction = apps.get_model("org", "Jurisdiction")
    School = apps.get_model("org", "School")
    OldUser = apps.get_model("org", "User")
    district = Jurisdiction.objects.create(code="410503", name="北关区", level="district")
    school = School.objects.create(
        code="4105030001", name="红旗路小学", district=district, kind="primary", grade_from=1, grade_to=6
    )
    OldUser.objects.create(username="old_reg", role="registrar", school=school, full_name="老张")
    OldUser.objects.create(username="old_appr", role="school_approver", school=school, full_name="老李")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    (row,) = RegistrarFiling.objects.all()
    assert (row.user.username, row.state) == ("old_reg", "grace")
    assert row.grace_until == clock.today() + dt.timedelta(days=settings.XUEJI["REGISTRAR_GRACE_DAYS"])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

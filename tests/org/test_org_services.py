"""Master-data services (R2.1, R2.2): district admins only, within their jurisdiction; one audit event."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org.models import GradeCapacity, Role, School, SchoolClass, User
from xueji.org.services import class_create, jurisdiction_create, master_data_save, school_create, user_create

NON_ADMINS = ["registrar_a", "approver_a", "officer", "auditor"]


def new_school(world, actor, *, district=None, code="4105030009", **kwargs):
    return school_create(
        actor=actor,
        code=code,
        name="北关区新建小学",
        district=district or world.beiguan,
        kind="primary",
        **kwargs,
    )


def new_user(world, actor, role=Role.REGISTRAR, **kwargs):
    kwargs.setdefault("school", world.school_a if role in (Role.REGISTRAR, Role.SCHOOL_APPROVER) else None)
    kwargs.setdefault("jurisdiction", None if kwargs["school"] else world.beiguan)
    return user_create(
        actor=actor, username="new_user", password="S3cret-pass!", full_name="新同事", role=role, **kwargs
    )


def test_r2_1_admin_creates_school_with_capacity_and_one_audit_event(world):
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    school = new_school(world, world.admin, capacity={1: (3, 40)})
    assert (school.grade_from, school.grade_to) == (1, 6)
    assert GradeCapacity.objects.get(school=school).seats == 120
    event = AuditEvent.objects.get(pk__gt=before)  # the audit log is append-only: count from here
    assert (event.action, event.actor, event.school, event.rules) == (
        "school.create",
        world.admin,
        school,
        ["R2.1"],
    )


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_r2_2_non_admin_cannot_create_school(world, persona):
    with pytest.raises(PermissionDenied):
        new_school(world, getattr(world, persona))
    assert not School.objects.filter(code="4105030009").exists()


def test_r2_2_admin_cannot_create_school_in_another_district(world):
    with pytest.raises(PermissionDenied):
        new_school(world, world.admin, district=world.wenfeng, code="4105020009")


def test_r2_2_inactive_admin_refused(world):
    world.admin.is_active = False
    world.admin.save()
    with pytest.raises(PermissionDenied):
        new_school(world, world.admin)


def test_r2_1_invalid_school_reports_every_field(world):
    with pytest.raises(RuleViolation) as exc:
        new_school(world, world.admin, code="12", grade_from=5, grade_to=3)
    assert {v.field for v in exc.value.violations} >= {"code"}
    assert not AuditEvent.objects.filter(action="school.create").exists()


def test_r2_1_admin_creates_class(world):
    school_class = class_create(
        actor=world.admin, school=world.school_a, school_year=world.year, grade=2, number=1
    )
    assert school_class.name == "二年级（1）班"
    assert AuditEvent.objects.get(action="schoolclass.create").school == world.school_a


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_r2_2_non_admin_cannot_create_class(world, persona):
    with pytest.raises(PermissionDenied):
        class_create(
            actor=getattr(world, persona), school=world.school_a, school_year=world.year, grade=9, number=1
        )
    assert SchoolClass.objects.count() == 2


def test_r2_2_admin_cannot_create_class_in_another_district(world):
    with pytest.raises(PermissionDenied):
        class_create(actor=world.admin, school=world.school_c, school_year=world.year, grade=2, number=1)


def test_r2_1_class_in_a_grade_the_school_lacks_refused(world):
    with pytest.raises(RuleViolation) as exc:
        class_create(actor=world.admin, school=world.school_a, school_year=world.year, grade=7, number=1)
    assert (exc.value.rule, exc.value.code) == ("R2.1", "grade_not_offered")


def test_r2_1_duplicate_class_number_refused(world):
    with pytest.raises(RuleViolation):
        class_create(actor=world.admin, school=world.school_a, school_year=world.year, grade=1, number=1)


@pytest.mark.parametrize(
    ("role", "unit"),
    [(Role.REGISTRAR, "school"), (Role.SCHOOL_APPROVER, "school"), (Role.DISTRICT_OFFICER, "jurisdiction")],
)
def test_r2_2_the_security_admin_creates_accounts_bound_to_one_unit(world, role, unit):
    user = new_user(world, world.security, role)
    assert getattr(user, unit) is not None
    assert user.check_password("S3cret-pass!")
    assert user.is_staff is False


def test_r2_2_password_hash_never_in_the_audit_trail(world):
    root = User.objects.create_superuser("root", password="Root-pass-2026!")
    user = new_user(world, root, Role.DISTRICT_ADMIN)
    event = AuditEvent.objects.get(action="user.create")
    assert (event.actor, event.rules) == (root, ["R2.2"])
    dumped = json.dumps(event.changes, ensure_ascii=False)
    assert "password" not in event.changes
    assert user.password not in dumped and "S3cret-pass!" not in dumped
    assert event.changes["role"] == [None, "district_admin"]
    assert user.is_staff


@pytest.mark.parametrize(
    ("role", "units"),
    [
        (Role.REGISTRAR, {"school": None, "jurisdiction": "beiguan"}),
        (Role.REGISTRAR, {"school": "school_a", "jurisdiction": "beiguan"}),
        (Role.SCHOOL_APPROVER, {"school": None, "jurisdiction": None}),
        (Role.DISTRICT_OFFICER, {"school": "school_a", "jurisdiction": None}),
        (Role.AUDITOR, {"school": "school_a", "jurisdiction": "beiguan"}),
    ],
)
def test_r2_2_account_unit_must_match_role(world, role, units):
    kwargs = {key: getattr(world, name) if name else None for key, name in units.items()}
    with pytest.raises(RuleViolation) as exc:
        new_user(world, world.security, role, **kwargs)
    assert (exc.value.rule, exc.value.code) == ("R2.2", "unit")
    assert not User.objects.filter(username="new_user").exists()


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_r2_2_non_admin_cannot_create_accounts(world, persona):
    with pytest.raises(PermissionDenied):
        new_user(world, getattr(world, persona))
    assert not User.objects.filter(username="new_user").exists()


def test_r2_2_the_security_admin_cannot_create_accounts_in_another_district(world):
    with pytest.raises(PermissionDenied):
        new_user(world, world.security, school=world.school_c)
    with pytest.raises(PermissionDenied):
        new_user(world, world.security, Role.DISTRICT_OFFICER, jurisdiction=world.wenfeng)


@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_separate_duties_the_three_administrators_are_the_superusers_to_open(world, role):
    """等保 三权分立: the security admin keeps accounts but cannot open or change an administrator's,
    nor change its own role; the system admin keeps master data but no accounts."""
    with pytest.raises(PermissionDenied, match="三权分立"):
        new_user(world, world.security, role, jurisdiction=world.beiguan)
    with pytest.raises(PermissionDenied, match="只有区安全管理员"):
        new_user(world, world.admin, Role.REGISTRAR)
    world.auditor.full_name = "钱审计员"
    with pytest.raises(PermissionDenied, match="三权分立"):
        master_data_save(actor=world.security, obj=world.auditor, district=world.beiguan)
    world.security.role = Role.DISTRICT_OFFICER
    with pytest.raises(PermissionDenied):
        master_data_save(actor=world.security, obj=world.security, district=world.beiguan)
    assert not User.objects.filter(username="new_user").exists()


def test_separate_duties_a_change_of_role_or_unit_is_audited(world):
    world.registrar_a.role = Role.SCHOOL_APPROVER
    master_data_save(actor=world.security, obj=world.registrar_a, district=world.beiguan)
    event = AuditEvent.objects.filter(action="user.update").latest("id")
    assert event.actor == world.security and event.changes["role"] == ["registrar", "school_approver"]


def test_r2_2_unknown_role_refused(world):
    with pytest.raises(RuleViolation) as exc:
        new_user(world, world.security, "headmaster", jurisdiction=world.beiguan)
    assert exc.value.rule == "R2.2"


def test_r2_2_district_admin_cannot_create_jurisdictions_outside_scope(world):
    with pytest.raises(PermissionDenied):
        jurisdiction_create(
            actor=world.admin, code="410506", name="龙安区", level="district", parent=world.anyang
        )


def test_r10_7_a_district_admin_sets_a_limit_in_the_admin_with_its_reason(world):
    """Limits live in configuration (RULES.md): the district's own value is set in 基础数据管理,
    through org.policy.policy_set, audited."""
    from tests.conftest import login
    from xueji.audit.models import AuditEvent
    from xueji.org.models import PolicyValue

    world.admin.is_staff = True  # as org.services.user_create makes a district admin
    world.admin.save()
    admin = login(world.admin)
    page = admin.get("/admin/org/policyvalue/add/")
    assert page.status_code == 200 and "转学每个环节办理时限" in page.content.decode()
    refused = admin.post(
        "/admin/org/policyvalue/add/",
        {"jurisdiction": world.beiguan.pk, "key": "transfer.step_days", "value": "99", "reason": ""},
    )
    assert refused.status_code == 200 and "请写明依据或理由" in refused.content.decode()
    assert not PolicyValue.objects.exists()
    saved = admin.post(
        "/admin/org/policyvalue/add/",
        {
            "jurisdiction": world.beiguan.pk,
            "key": "transfer.step_days",
            "value": "8",
            "reason": "区教育局 2026 年第 3 号通知",
        },
    )
    assert saved.status_code == 302
    assert PolicyValue.objects.get().value == 8
    assert AuditEvent.objects.get(action="policy.set").changes == {"transfer.step_days": [10, 8]}


def test_a_district_admins_class_form_offers_its_own_districts_schools_only(world):
    from tests.conftest import login

    world.admin.is_staff = True  # as org.services.user_create makes a district admin
    world.admin.save()
    page = login(world.admin).get("/admin/org/schoolclass/add/").content.decode()
    assert world.school_a.name in page and world.school_c.name not in page  # 文峰区's school
    assert "SCHOOL" not in page and "School year" not in page  # the fields named in Chinese

"""R2.2: every page route is in the permission map, needs login, refuses wrong roles with 403 and
answers 404 for another school's object exactly as for a missing one."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import _user, login
from tests.exchange.conftest import child, fill, template_bytes
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.archive.services import entry_add
from xueji.changes.kinds.dropout.services import dropout_start
from xueji.changes.kinds.suspension.services import suspension_start
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.changes.services import case_attach
from xueji.core import evidence
from xueji.core.web import ACCOUNT_ROUTES, PUBLIC_ROUTES, permission_map
from xueji.exchange.export_jobs import export_job_create, export_job_run
from xueji.exchange.export_request_services import export_request_create
from xueji.exchange.exports import StudentFilters
from xueji.exchange.services import import_job_create, import_job_run
from xueji.org.models import RegistrarFiling, Role, School
from xueji.students.models import ArchiveSnapshot, Enrollment, Progression, Promotion, Student
from xueji.students.services import entry_application_submit, evidence_attach, student_register


def _named_routes(resolver: URLResolver | None = None, namespace: str = "") -> dict[str, URLPattern]:
    routes: dict[str, URLPattern] = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin",) or str(entry.pattern).startswith("api/"):
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes.update(_named_routes(entry, ns))
        elif entry.name:
            routes[f"{namespace}{entry.name}"] = entry
    return routes


ROUTE_ROLES = permission_map()


def test_r2_2_every_page_route_is_in_the_permission_map():
    names = set(_named_routes())
    assert names - PUBLIC_ROUTES - ACCOUNT_ROUTES == set(ROUTE_ROLES), (
        "add new routes to core.web.ROUTE_ROLES"
    )


@pytest.fixture
def objects(world):
    """One student, evidence and application at school A; the same kinds of thing at school C."""
    made = {}
    for key, registrar, school in (
        ("a", world.registrar_a, world.school_a),
        ("c", world.registrar_c, world.school_c),
    ):
        student = student_register(
            actor=registrar,
            school=school,
            student=student_payload(dt.date(2020, 5, 5)),
            family=family_payload(),
            enrollment=enrollment_payload(),
        )
        item = evidence_attach(
            actor=registrar,
            student=student,
            file=BytesIO(b"%PDF-1.4 test"),
            original_name="hukou.pdf",
            category="household",
        )
        app = entry_application_submit(
            actor=registrar,
            school=school,
            data={
                "kind": "deferral",
                "child_name": "李小小",
                "id_number": student_payload(dt.date(2020, 6, 1))["id_number"],
                "entry_year": 2027,
                "reason": "身体原因",
                "guardian_name": "李大",
                "guardian_phone": "13800001111",
            },
        )
        # A suspension the school files (its application form is printable, R12.2).
        suspension = suspension_start(
            actor=registrar,
            student=student_register(
                actor=registrar,
                school=school,
                student=student_payload(dt.date(2020, 2, 2), name="休学生"),
                family=family_payload(),
                enrollment=enrollment_payload(),
            ),
            facts={
                "ground": "other",
                "starts_on": "2026-09-14",
                "reason": "家庭变故",
                "guardian_name": "王建国",
            },
        )
        # A dropout report (its written reports to the street office and the district, R13.2).
        dropout = dropout_start(
            actor=registrar,
            student=student_register(
                actor=registrar,
                school=school,
                student=student_payload(dt.date(2020, 3, 3), name="辍学生"),
                family=family_payload(),
                enrollment=enrollment_payload(),
            ),
            facts={
                "learned_on": "2026-09-08",
                "last_attended_on": "2026-09-04",
                "circumstances": "连续多日未到校",
                "measures": "家访",
                "township": "街道办事处",
            },
        )
        # A school's promotion waiting for its approver (R14.2).
        promotion = Promotion.objects.create(school=school, school_year=world.year, submitted_by=registrar)
        # A 升学 record the school keeps (R8.1), written here directly: only its scope is tested.
        archive = ArchiveSnapshot.objects.create(  # sent outside: its package may be downloaded
            student=student,
            school=school,
            kind="handover",
            to_party="外省某校",
            taken_on=dt.date(2026, 9, 1),
            content={"enrollment": [], "student": [], "family": []},
            sha256="0" * 64,
        )
        progression = Progression.objects.create(
            student=student,
            from_school=school,
            to_school=school,
            graduated=Enrollment.objects.get(student=student),
            archive=archive,
            source="学校办理",
            recorded_by=registrar,
        )
        made[key] = {
            "promotion": promotion.pk,
            "progression": progression.pk,
            "archive": archive.pk,
            "entry": entry_add(
                actor=registrar,
                student=student,
                kind="award",
                values={
                    "title": "书法比赛一等奖",
                    "level": "校级",
                    "issuer": "本校",
                    "awarded_on": "2026-06-01",
                },
            ).pk,
            "dropout": dropout.pk,
            "student": student.pk,
            "evidence": item.pk,
            "application": app.pk,
            "school": school.pk,
            "class": (world.class_a1 if key == "a" else world.class_c1).pk,
            "suspension": suspension.pk,
        }
    # A transfer school A receives from 文峰区 (seen by A's staff and 北关区), and one between two
    # 文峰区 schools (seen by neither).
    school_d = School.objects.create(
        code="4105020002",
        name="文峰区西关小学",
        district=world.wenfeng,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    registrar_d = _user("reg_d", Role.REGISTRAR, school=school_d)
    facts = {"grounds": "household_moved", "nature": "returning", "reason": "随父母迁居"}
    for key, registrar, birth in (("a", world.registrar_a, dt.date(2020, 6, 6)), ("c", registrar_d, None)):
        if birth is None:
            moving = made["c"]["student"]
        else:
            moving = student_register(
                actor=world.registrar_c,
                school=world.school_c,
                student=student_payload(birth),
                family=family_payload(),
                enrollment=enrollment_payload(),
            ).pk
        case = transfer_start(actor=registrar, student=Student.objects.get(pk=moving), facts=facts)
        document = case_attach(
            actor=registrar,
            case=case,
            file=BytesIO(b"%PDF-1.4 test"),
            original_name="申请.pdf",
            category="transfer_application",
        )
        made[key] |= {"case": case.pk, "document": document.pk}
    # An import refused for an age error, so its job has an error report to download.
    late = fill(template_bytes(), [child(dt.date(2020, 9, 1))])
    for key, registrar, school in (
        ("a", world.registrar_a, world.school_a),
        ("c", world.registrar_c, world.school_c),
    ):
        job = import_job_create(actor=registrar, school=school, data=late, original_name="新生.xlsx")
        made[key]["import_job"] = import_job_run(job.pk).pk
        export = export_job_create(actor=registrar, filters=StudentFilters(), layout="list")
        made[key]["export_job"] = export_job_run(export.pk).pk
    # R21.1: an export request of A's registrar and one of 文峰区's.
    for key, registrar in (("a", world.registrar_a), ("c", world.registrar_c)):
        made[key]["export_request"] = export_request_create(
            actor=registrar,
            filters=StudentFilters(),
            layout="list",
            purpose="与上级系统核对学籍",
            recipient="市教育局",
        ).pk
    # R19: a registrar's filing with its appointment document, at A and at 文峰区's school.
    for key, registrar in (("a", world.registrar_a), ("c", world.registrar_c)):
        stored = evidence.store(BytesIO(b"%PDF-1.4 test"))
        made[key]["filing"] = RegistrarFiling.objects.create(
            school=registrar.school,
            user=registrar,
            state=RegistrarFiling.State.ENDED,
            full_name=registrar.full_name,
            document_name="任命文件.pdf",
            storage_name=stored.storage_name,
            content_type=stored.content_type,
            sha256=stored.sha256,
        ).pk
    return made


def _url(name: str, objects: dict, key: str) -> str:
    kind = {
        "students:detail": "student",
        "students:edit": "student",
        "students:place": "student",
        "students:card": "student",
        "students:archive": "archive",
        "archive:student": "student",
        "archive:edit": "entry",
        "archive:paper_record": "student",
        "students:archive_verify": "archive",
        "students:archive_package": "archive",
        "students:class_cards": "class",
        "students:evidence_upload": "student",
        "students:follow_up": "student",
        "students:evidence_download": "evidence",
        "students:entry_application_decide": "application",
        "students:promotion_decide": "promotion",
        "students:continuing_record": "progression",
        "org:school": "school",
        "org:registrar_document": "filing",
        "exports:request": "export_request",
        "exports:request_sheet": "export_request",
        "exports:request_download": "export_request",
        "changes:document": "document",
        "changes:document_remove": "document",
        "changes:print": "suspension",
        "exchange:job": "import_job",
        "exchange:job_status": "import_job",
        "exchange:job_report": "import_job",
        "exports:job": "export_job",
        "exports:job_status": "export_job",
        "exports:download": "export_job",
    }.get(name)
    if name == "exchange:archive_template":
        return reverse(name, kwargs={"kind": "academic"})
    if name == "archive:add":
        return reverse(name, kwargs={"pk": objects[key]["student"], "kind": "award"})
    if name == "exchange:template":
        return reverse(name, kwargs={"kind": "new"})
    if kind is None and name.startswith("changes:") and name in OBJECT_ROUTES:
        kind = "case"
    if name == "manual_role":  # the user manual of a role
        return reverse(name, kwargs={"role": "registrar"})
    if name == "changes:letter":  # a kind's written report: the dropout's to the street office
        return reverse(name, kwargs={"pk": objects[key]["dropout"], "key": "township"})
    if name == "changes:action":  # a kind's own verb: the transfer's district exception (R10.9)
        return reverse(name, kwargs={"pk": objects[key]["case"], "action": "exception"})
    return reverse(name, kwargs={"pk": objects[key][kind]}) if kind else reverse(name)


POST_ONLY = {
    "archive:paper_record",
    "students:validate",
    "students:evidence_upload",
    "students:follow_up",
    "students:entry_application_decide",
    "students:promotion_submit",
    "students:promotion_decide",
    *(
        f"changes:{verb}"
        for verb in ("submit", "approve", "reject", "return", "withdraw", "action", "platform")
    ),
    "changes:document_upload",
    "changes:document_remove",
}


def _call(client, name, url):
    return client.post(url, {}) if name in POST_ONLY else client.get(url)


@pytest.mark.parametrize("name", sorted(ROUTE_ROLES))
def test_r2_2_anonymous_is_sent_to_login(client, objects, name):
    response = _call(client, name, _url(name, objects, "a"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("name", sorted(ROUTE_ROLES))
def test_r2_2_wrong_role_is_403(world, objects, name):
    personas = [world.registrar_a, world.approver_a, world.officer, world.admin, world.auditor]
    wrong = [p for p in personas if p.role not in ROUTE_ROLES[name]]
    for persona in wrong:
        response = _call(login(persona), name, _url(name, objects, "a"))
        assert response.status_code == 403, (name, persona.role)


OBJECT_ROUTES = sorted(n for n in ROUTE_ROLES if "<int:pk>" in str(_named_routes().get(n, "").pattern))


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_r2_2_other_schools_object_is_404_like_a_missing_one(world, objects, name):
    # A registrar of school A (or an officer of 北关区) asks for school C's (文峰区) object.
    personas = {
        "students:entry_application_decide": world.officer,
        "changes:action": world.officer,  # the transfer's exception is the district's verb (R10.9)
        "students:promotion_decide": world.approver_a,  # the school's approver confirms (R14.2)
    }
    persona = personas.get(name, world.registrar_a)
    if persona.role not in ROUTE_ROLES[name]:
        persona = world.officer
    client = login(persona)
    other = _call(client, name, _url(name, objects, "c"))
    missing_url = _url(name, {"c": {k: 999999 for k in objects["c"]}}, "c")
    missing = _call(client, name, missing_url)
    assert other.status_code == 404, name
    assert missing.status_code == 404, name
    own = _call(client, name, _url(name, objects, "a"))
    assert own.status_code in (200, 302), (name, own.status_code)

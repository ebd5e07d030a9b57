"""R7.2 categories (三)–(六): each kind's records checked against their declaration, with history,
evidence and one audit event each; the same record twice refused; withdrawn, never deleted; masked
kinds kept out of the audit and off the page until shown (R21.1); completeness against the
district's requirements; only the school's registrar writes; the snapshot carries them (R8.1)."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import login
from tests.factories import enrolled
from xueji.archive import selectors, services
from xueji.archive.kinds import KINDS
from xueji.archive.models import ArchiveEntry
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org.policy import policy_set
from xueji.students import handover
from xueji.students.models import Enrollment, Evidence

pytestmark = pytest.mark.django_db

GOOD = {
    "academic": {"semester": "2025-2026学年第二学期", "subject": "数学", "result": "优秀"},
    "skill": {"semester": "2025-2026学年第二学期", "item": "钢琴", "level": "六级"},
    "service": {"semester": "2025-2026学年第二学期", "content": "社区图书角整理", "hours": "6"},
    "practice": {"semester": "2025-2026学年第二学期", "content": "殷墟博物馆研学", "days": "1"},
    "fitness": {"year": "2025-2026学年", "item": "肺活量", "result": "1850 毫升", "grade": "良好"},
    "health": {"checked_on": "2026-05-20", "institution": "北关区妇幼保健院", "conclusion": "未见异常"},
    "vaccination": {"vaccine": "麻腮风疫苗", "dose": "2", "vaccinated_on": "2022-06-01"},
    "award": {
        "title": "安阳市中小学生书法比赛一等奖",
        "level": "市级",
        "issuer": "安阳市教育局",
        "awarded_on": "2026-04-10",
    },
    "aid": {"semester": "2025-2026学年第二学期", "kind": "营养改善计划膳食补助", "amount": "500"},
}


@pytest.fixture
def pupil(world):
    return enrolled(world.school_a, grade=3)


def add(world, pupil, kind, **values):
    return services.entry_add(
        actor=world.registrar_a, student=pupil, kind=kind, values={**GOOD[kind], **values}
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_r7_2_each_kind_keeps_its_records_with_history_and_one_audit_event(world, pupil, kind):
    entry = add(world, pupil, kind)
    assert entry.kind == kind and entry.school == world.school_a
    assert entry.history.count() == 1 and entry.history.get().history_user == world.registrar_a
    event = AuditEvent.objects.get(action="archive_entry.add")
    assert event.rules == ["R7.2"] and event.subject_id == str(pupil.pk)
    if KINDS[kind].masked:  # R21.1: health and aid stay out of the log
        assert event.changes == {kind: [None, "（内容保密，不记入日志）"]}
    else:
        assert event.changes[kind][1] == KINDS[kind].summary(entry.data)


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("academic", {"semester": "2025学年上"}, "semester"),
        ("academic", {"semester": "2025-2027学年第一学期"}, "semester"),
        ("academic", {"subject": "拳击"}, "subject"),
        ("fitness", {"grade": "满分"}, "grade"),
        ("service", {"hours": "-3"}, "hours"),
        ("award", {"awarded_on": "2026-02-30"}, "awarded_on"),
        ("vaccination", {"dose": "0"}, "dose"),
        ("aid", {"amount": "五百"}, "amount"),
        ("award", {"title": ""}, "title"),
    ],
)
def test_r7_2_a_wrong_value_is_refused_at_its_field(world, pupil, kind, values, field):
    with pytest.raises(RuleViolation) as refused:
        add(world, pupil, kind, **values)
    assert [(v.rule, v.field) for v in refused.value.violations] == [("R7.2", field)]
    assert (
        not ArchiveEntry.objects.exists()
        and not AuditEvent.objects.filter(action="archive_entry.add").exists()
    )


def test_r7_2_the_same_semesters_result_twice_is_one_record_corrected_with_history(world, pupil):
    entry = add(world, pupil, "academic")
    with pytest.raises(RuleViolation) as refused:
        add(world, pupil, "academic", result="良好")
    assert (refused.value.code, refused.value.status) == ("entry_exists", 409)
    services.entry_update(actor=world.registrar_a, entry=entry, values={**GOOD["academic"], "result": "良好"})
    entry.refresh_from_db()
    assert entry.data["result"] == "良好"
    assert [h.data["result"] for h in entry.history.order_by("history_id")] == ["优秀", "良好"]


def test_r7_2_a_record_is_withdrawn_with_a_reason_never_deleted(world, pupil):
    entry = add(world, pupil, "award")
    with pytest.raises(RuleViolation):
        services.entry_remove(actor=world.registrar_a, entry=entry, reason=" ")
    services.entry_remove(actor=world.registrar_a, entry=entry, reason="录入学生有误")
    entry.refresh_from_db()
    assert entry.removed and list(selectors.entries(requested_by=world.registrar_a, student=pupil)) == []
    add(world, pupil, "award")  # the same award may be entered again for the right student


def test_r7_2_a_records_proof_joins_the_students_evidence(world, pupil):
    entry = add(world, pupil, "award")
    services.entry_attach(
        actor=world.registrar_a, entry=entry, file=BytesIO(b"%PDF-1.4 cert"), original_name="证书.pdf"
    )
    entry.refresh_from_db()
    assert entry.evidence.category == Evidence.Category.ARCHIVE and entry.evidence.student == pupil
    assert entry.evidence.description.startswith("获奖：")


def test_r2_2_only_the_schools_registrar_writes(world, pupil):
    for persona in (world.approver_a, world.officer, world.registrar_c):
        with pytest.raises(PermissionDenied):
            services.entry_add(actor=persona, student=pupil, kind="award", values=GOOD["award"])


def test_r7_2_completeness_follows_what_the_district_requires(world, pupil):
    def missing():
        rows = selectors.entries(requested_by=world.registrar_a, student=pupil)
        return {c.number: c.missing for c in selectors.categories(rows, world.beiguan)}

    assert missing() == {3: ["学业成绩"], 4: ["体质健康测试", "健康体检"], 5: [], 6: []}
    add(world, pupil, "academic")
    add(world, pupil, "fitness")
    policy_set(
        actor=world.admin,
        jurisdiction=world.beiguan,
        key="archive.needs.health",
        value=0,
        reason="体检由卫健部门保存",
    )
    policy_set(
        actor=world.admin, jurisdiction=world.beiguan, key="archive.needs.award", value=1, reason="评优需要"
    )
    assert missing() == {3: [], 4: [], 5: ["获奖"], 6: []}


def test_r8_1_the_snapshot_carries_categories_three_to_six(world, pupil):
    add(world, pupil, "academic")
    add(world, pupil, "aid")
    enrollment = Enrollment.objects.select_related("school", "student").get(student=pupil, is_current=True)
    snap = handover.archive_hand_over(
        actor=None, enrollment=enrollment, to_school=world.school_b, reference="T1"
    )
    kinds = {(r["kind"], r["masked"]) for r in snap.content["records"]}
    assert kinds == {("学业成绩", False), ("资助", True)}


# --------------------------------------------------------------------------- pages


def test_r7_1_the_archive_page_shows_six_categories_and_masks_health_and_aid(world, pupil):
    add(world, pupil, "academic")
    add(world, pupil, "health")
    client = login(world.registrar_a)
    html = client.get(f"/archive/students/{pupil.pk}/").content.decode()
    for title in ("（一）", "（二）", "（三）综合素质评价", "（四）", "（五）获奖情况", "（六）资助情况"):
        assert title in html
    assert "数学" in html and "北关区妇幼保健院" not in html and "已登记 1 条" in html
    shown = client.get(f"/archive/students/{pupil.pk}/?reveal=health").content.decode()
    assert "北关区妇幼保健院" in shown
    assert AuditEvent.objects.filter(action="archive.reveal", subject_id=str(pupil.pk)).exists()
    officer = login(world.officer).get(f"/archive/students/{pupil.pk}/?reveal=health").content.decode()
    assert "北关区妇幼保健院" not in officer and f"/archive/students/{pupil.pk}/academic/new/" not in officer


def test_r7_2_a_record_entered_and_corrected_through_the_pages(world, pupil):
    client = login(world.registrar_a)
    bad = client.post(f"/archive/students/{pupil.pk}/academic/new/", {**GOOD["academic"], "subject": "拳击"})
    assert bad.status_code == 200 and "请从列表中选择" in bad.content.decode()
    assert client.post(f"/archive/students/{pupil.pk}/academic/new/", GOOD["academic"]).status_code == 302
    entry = ArchiveEntry.objects.get()
    edit = client.post(
        f"/archive/entries/{entry.pk}/", {"action": "save", **GOOD["academic"], "result": "良好"}
    )
    assert edit.status_code == 302
    entry.refresh_from_db()
    assert entry.data["result"] == "良好"
    assert client.get(f"/archive/students/{pupil.pk}/nonsense/new/").status_code == 404
    assert login(world.registrar_c).get(f"/archive/entries/{entry.pk}/").status_code == 404


def test_r7_2_category_two_needs_the_household_proof_unless_the_district_says_otherwise(world, pupil):
    from xueji.students.services import evidence_attach

    client = login(world.registrar_a)
    assert "缺：户口簿/户籍证明" in client.get(f"/archive/students/{pupil.pk}/").content.decode()
    evidence_attach(
        actor=world.registrar_a,
        student=pupil,
        file=BytesIO(b"%PDF-1.4 x"),
        original_name="户口簿.pdf",
        category="household",
    )
    assert "缺：户口簿/户籍证明" not in client.get(f"/archive/students/{pupil.pk}/").content.decode()
    policy_set(
        actor=world.admin,
        jurisdiction=world.beiguan,
        key="archive.needs_evidence.birth",
        value=1,
        reason="新生须交",
    )
    assert "缺：出生医学证明" in client.get(f"/archive/students/{pupil.pk}/").content.decode()

"""The demo's transfers: one in every state, driven through the services (R10.1–R10.10).

Seeded once for the module on the demo's real "today" (Friday 2026-11-27), after the R10.7 window
of the autumn semester has closed: the district records its exception before each intra-province
case is filed. Like test_seed.py, these tests never use the ``world`` fixture.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import BytesIO

import pytest

from tests.demo.seeding import seeded_on
from xueji.changes import services as engine
from xueji.changes.kinds.transfer.demo import PLANS, scan
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.changes.models import Case, CaseEvent
from xueji.core import evidence
from xueji.core.errors import RuleViolation
from xueji.demo.seed import seed_demo
from xueji.org.models import User
from xueji.students.models import Enrollment

N = 150
TODAY = dt.date(2026, 11, 27)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def evidence_root(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-evidence")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, evidence_root):
    """Seed once per module inside a transaction that is rolled back at the end."""
    with seeded_on(TODAY, students=N, evidence_dir=evidence_root, blocker=django_db_blocker) as report:
        yield report


@pytest.fixture
def demo(seeded, settings):
    settings.XUEJI_FIXED_TODAY = TODAY.isoformat()
    return seeded


def transfers():
    return Case.objects.filter(kind="transfer").select_related("school", "other_school", "student")


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_r10_every_state_is_in_the_demo(demo):
    cases = list(transfers())
    assert demo.cases["transfer"] == len(cases) == len(PLANS) + 1
    states = Counter(c.state for c in cases)
    assert states["draft"] == 1 and states["returned"] == 1
    assert states["completed"] == 1 and states["rejected"] == 1
    open_steps = Counter(c.step_key for c in cases if c.state == "open")
    assert open_steps["filing"] == 1 and open_steps["in_school"] == 2  # one of them overdue
    assert open_steps["out_school"] == 1 and open_steps["out_bureau"] == 1 and open_steps["external"] == 1
    # Restored: the seed leaves the clock as it found it.
    from django.conf import settings

    assert settings.XUEJI_FIXED_TODAY == TODAY.isoformat()
    assert "cases" in demo.timings


def test_r10_every_inbox_has_work(demo):
    cases = [c for c in transfers() if c.is_open]
    for username in ("hq_registrar", "hq_approver", "bg_officer", "wf_approver", "wf_officer"):
        persona = user(username)
        mine = [
            c for c in cases if engine.may_act(persona, c, engine.kind_of("transfer").step(c, c.step_key))
        ]
        assert mine, f"{username} has nothing to do"


def test_r10_4_one_case_waits_in_the_next_tuesdays_filing_batch(demo):
    case = transfers().get(state="open", step_key="filing")
    assert case.step_due == dt.date(2026, 12, 1)  # Friday 27 Nov → Tuesday 1 Dec
    assert case.owner_jurisdiction.code == "410503" and not case.is_overdue
    assert engine.may_act(user("bg_officer"), case, engine.kind_of("transfer").step(case, "filing"))


def test_r10_2_draft_has_part_of_its_evidence(demo):
    case = transfers().get(state="draft")
    assert (case.step_key, case.owner_school.name) == ("prepare", "北关区红旗路小学")
    assert case.documents.count() == 1 and engine.missing_evidence(case)
    assert case.other_school.district.code == "410502"


def test_r10_5_returned_and_rejected_carry_their_reasons(demo):
    returned = transfers().get(state="returned")
    assert returned.step_key == "prepare" and returned.owner_school.name == "北关区红旗路小学"
    assert returned.events.filter(action=CaseEvent.Action.RETURN).exclude(comment="").exists()
    rejected = transfers().get(state="rejected")
    reason = rejected.events.get(action=CaseEvent.Action.REJECT).comment
    assert "第十条" in reason and rejected.closed_at is not None


def test_r10_7_one_step_is_overdue_and_flagged(demo):
    late = transfers().filter(is_overdue=True)
    assert late.count() == 1
    case = late.get()
    assert case.state == "open" and case.step_key == "in_school" and case.step_due < TODAY
    assert case.events.filter(action=CaseEvent.Action.OVERDUE).count() == 1
    # The other open steps started today: none is late.
    others = transfers().filter(state="open", is_overdue=False).exclude(step_key="filing")
    assert all(c.step_started_on == TODAY and c.step_due > TODAY for c in others)
    assert engine.cases_flag_overdue(today=TODAY) == 0  # already flagged, once


def test_r10_7_outside_the_window_filed_transfers_carry_the_districts_exception(demo):
    # Today, 27 Nov, the autumn window (two months from 1 Sep) is closed: the draft is being
    # prepared, which is allowed, and every intra-province case that was filed carries the
    # district's recorded exception (R10.7, as R10.9).
    draft = transfers().get(state="draft")
    assert draft.step_started_on == TODAY and draft.facts["outside_window"] is True
    filed = transfers().exclude(state="draft").filter(facts__scope="intra_province")
    assert filed and all(c.facts.get("exception_reason") for c in filed)
    # Without the exception the same case cannot be filed, and the refusal says when the next
    # window opens (the spring term, 24 Feb 2027).
    busy = Case.objects.exclude(student=None).values_list("student_id", flat=True)
    free = (
        Enrollment.objects.filter(is_current=True, school__district__code="410502", grade__lte=6)
        .exclude(student_id__in=busy)
        .first()
    )
    case = transfer_start(
        actor=user("hq_registrar"),
        student=free.student,
        facts={"grounds": "household_moved", "nature": "returning", "reason": "随父母户籍迁入"},
    )
    assert case.state == "draft" and case.facts["outside_window"]
    for category in engine.missing_evidence(case):
        engine.case_attach(
            actor=user("hq_registrar"),
            case=case,
            file=BytesIO(scan("申请", "学生", case.number)),
            original_name="a.pdf",
            category=category,
        )
    with pytest.raises(RuleViolation) as refused:
        engine.case_submit(actor=user("hq_registrar"), case=case)
    assert refused.value.rule == "R10.7" and "2027年02月" in refused.value.message


def test_r10_10_completed_transfer_moved_the_enrollment_to_be_placed(demo):
    case = transfers().get(state="completed")
    current = Enrollment.objects.get(student=case.student, is_current=True)
    assert (current.school.name, current.origin, current.school_class) == (
        "北关区红旗路小学",
        "transfer",
        None,
    )
    assert current.entry_date == TODAY
    old = Enrollment.objects.get(student=case.student, is_current=False)
    assert (old.school.name, old.status) == ("文峰区东关小学", Enrollment.Status.TRANSFERRED_OUT)
    assert old.grade == current.grade  # R10.11: 平级转学
    assert list(case.events.values_list("action", flat=True))[-1] == "complete"


def test_r10_5_external_student_from_shandong_waits_for_the_recorded_confirmation(demo):
    case = transfers().get(step_key="external")
    assert case.student is None and case.other_school is None
    assert case.facts["scope"] == "cross_province" and case.facts["external"]["province"] == "山东省"
    assert case.facts["external"]["id_number"].startswith("370102")
    assert case.owner_jurisdiction.code == "410503"
    assert engine.missing_evidence(case) == {"external_confirmation": "外省转出确认材料"}


def test_evidence_files_are_small_real_pdfs(demo, settings, evidence_root):
    settings.EVIDENCE_DIR = evidence_root
    for document in transfers().get(state="draft").documents.all():
        data = evidence.path_of(document.storage_name).read_bytes()
        assert data.startswith(b"%PDF") and document.size == len(data) < 10_000
    assert scan("户口簿", "陈小北", "ZX202600001") == scan("户口簿", "陈小北", "ZX202600001")


def test_transfers_are_seeded_once(demo):
    before = (Case.objects.count(), CaseEvent.objects.count())
    assert not seed_demo(students=N).seeded
    assert (Case.objects.count(), CaseEvent.objects.count()) == before

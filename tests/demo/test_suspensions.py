"""The demo's suspension family (Art. 12): each kind's own demo module seeds its cases in the states
every role must see, and the urging list has suspensions near and past their end (R12.1–R12.7).

Seeded once for the module on a school day of the autumn term; like test_seed.py, these tests never
use the ``world`` fixture.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from tests.demo.seeding import seeded_on
from xueji.changes import selectors
from xueji.changes.kinds.registry import KINDS
from xueji.changes.models import Case
from xueji.org.models import User
from xueji.students.models import Enrollment, FollowUp
from xueji.students.selectors import running_periods

N = 150
TODAY = dt.date(2026, 12, 4)
ART_12 = ("suspension", "extension", "resumption", "abroad", "abroad_return")
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once per module inside a transaction that is rolled back at the end."""
    with seeded_on(
        TODAY, students=N, evidence_dir=tmp_path_factory.mktemp("demo-evidence"), blocker=django_db_blocker
    ) as report:
        yield report


@pytest.fixture
def demo(seeded, settings):
    settings.XUEJI_FIXED_TODAY = TODAY.isoformat()
    return seeded


def _where(kind: str) -> Counter[tuple[str, str]]:
    """(state, step) of every demo case of ``kind``."""
    return Counter(Case.objects.filter(kind=kind).values_list("state", "step_key"))


def test_every_kind_of_art_12_declares_its_own_demo_module(demo):
    for key in ART_12:
        assert KINDS[key].demo == f"xueji.changes.kinds.{key}.demo", key


def test_r12_suspensions_in_every_state(demo):
    where = _where("suspension")
    for state, step in (
        ("draft", "prepare"),
        ("returned", "prepare"),
        ("open", "school"),
        ("open", "district"),
    ):
        assert where[(state, step)] >= 1, (state, step)
    states = Counter(Case.objects.filter(kind="suspension").values_list("state", flat=True))
    assert states["rejected"] == 1 and states["completed"] >= 5


def test_r12_4_r12_5_r12_7_the_family_at_each_partys_step(demo):
    assert _where("extension")[("open", "district")] == 1
    resumption = _where("resumption")
    assert resumption[("open", "school")] == resumption[("open", "grade")] == 1
    assert Case.objects.filter(kind="resumption", state="completed").count() == 1
    abroad = _where("abroad")
    assert abroad[("draft", "prepare")] == 1 and abroad[("open", "school")] == 1
    # One still abroad, one whose return is at the district.
    assert Case.objects.filter(kind="abroad", state="completed").count() == 2
    assert _where("abroad_return")[("open", "district")] == 1


def test_r10_7_every_role_finds_art_12_work_in_its_inbox(demo):
    def kinds_in_inbox(username: str) -> set[str]:
        user = User.objects.get(username=username)
        return {todo.case.kind for todo in selectors.inbox(requested_by=user, limit=None)}

    assert {"suspension", "abroad"} <= kinds_in_inbox("hq_registrar")
    assert {"suspension", "resumption", "abroad"} <= kinds_in_inbox("hq_approver")
    assert {"suspension", "extension", "resumption", "abroad_return"} <= kinds_in_inbox("bg_officer")


def test_r12_6_the_urging_list_has_suspensions_ending_soon_and_ended(demo):
    officer = User.objects.get(username="bg_officer")
    soon = running_periods(requested_by=officer, status=Enrollment.Status.SUSPENDED, ending_within=30)
    ended = list(running_periods(requested_by=officer, status=Enrollment.Status.SUSPENDED, ended=True))
    assert soon.exists() and len(ended) == 2
    assert [p.last_follow_up is not None for p in ended].count(True) == 1  # one already urged
    assert FollowUp.objects.filter(kind=FollowUp.Kind.URGE).count() == 1
    abroad = running_periods(requested_by=officer, status=Enrollment.Status.ABROAD)
    assert abroad.count() == 2


def test_r12_5_the_resumed_student_waits_for_a_class(demo):
    resumed = Case.objects.get(kind="resumption", state="completed")
    enrollment = Enrollment.objects.get(student=resumed.student, is_current=True)
    assert enrollment.status == Enrollment.Status.ENROLLED and enrollment.placement_due

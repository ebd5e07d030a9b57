"""The school year through the API (R14.2, R6.5): a registrar submits the promotion, the approver
confirms it, the district's officer reads every school's standing; a junior-high school's registrar
enrolls a graduate by 学籍号."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import API
from tests.factories import enrolled
from tests.students.test_promotion import SUMMER, _in_class, _next_year
from xueji.students.models import Enrollment

pytestmark = pytest.mark.django_db


def _post(client, path, body=None):
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def test_r14_2_submit_confirm_and_read_through_the_api(world, settings, api_as):
    _next_year(world)
    _in_class(world.school_a, 3)
    graduating = _in_class(world.school_a, 6)
    settings.XUEJI_FIXED_TODAY = SUMMER
    registrar, approver, officer = api_as(world.registrar_a), api_as(world.approver_a), api_as(world.officer)
    preview = registrar.get(f"{API}/school-year/promotions/{world.school_a.code}/preview").json()
    assert [(r["grade_label"], r["next"], r["moving"]) for r in preview] == [
        ("三年级", "升入四年级", 1),
        ("六年级", "毕业", 1),
    ]
    assert officer.get(f"{API}/school-year/promotions/{world.school_c.code}/preview").status_code == 404
    submitted = _post(registrar, "/school-year/promotions")
    assert submitted.status_code == 201 and submitted.json()["state"] == "待学校审核人确认"
    again = _post(registrar, "/school-year/promotions")
    assert again.status_code == 422 and again.json()["rule"] == "R14.2"
    returned = _post(approver, "/school-year/promotions/return", {"comment": ""})
    assert returned.status_code == 422 and returned.json()["field"] == "comment"
    done = _post(approver, "/school-year/promotions/confirm")
    assert done.status_code == 200
    assert done.json()["result"] == {
        "moved": 1,
        "graduated": 1,
        "repeated": 0,
        "unplaced": 1,
        "staying": {},
        "ahead": 0,
    }
    standings = {s["school_code"]: s for s in officer.get(f"{API}/school-year/promotions").json()}
    assert standings[world.school_a.code]["state"] == "已升级" and world.school_c.code not in standings
    assert Enrollment.objects.get(student=graduating, is_current=True).status == "07"


def test_r6_5_continuing_through_the_api(world, api_as):
    graduate = enrolled(world.school_a, grade=6)
    from xueji.students import status

    status.enrollment_change_status(actor=None, student=graduate, status="07")
    client = api_as(world.registrar_b)
    missing = _post(
        client, "/school-year/continuing", {"xjh": "G110105194912310021", "entry_date": "2026-09-01"}
    )
    assert missing.status_code == 422 and missing.json()["field"] == "xjh"
    bad_date = _post(client, "/school-year/continuing", {"xjh": graduate.xjh, "entry_date": "2026-13-01"})
    assert bad_date.status_code == 422
    made = _post(client, "/school-year/continuing", {"xjh": graduate.xjh, "entry_date": "2026-09-01"})
    assert made.status_code == 201, made.content
    assert made.json()["grade"] == 7 and made.json()["to_school"] == world.school_b.name
    assert Enrollment.objects.get(student=graduate, is_current=True).school == world.school_b

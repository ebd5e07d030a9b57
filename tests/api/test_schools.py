"""Schools and classes through the API: scoped lists, 404 outside the scope (R2.1, R2.2)."""

from __future__ import annotations

import pytest

from tests.api.conftest import API


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {school["code"] for school in response.json()}


def test_r2_2_school_lists_are_scoped(world, api_as):
    assert _codes(api_as(world.registrar_a).get(f"{API}/schools")) == {world.school_a.code}
    assert _codes(api_as(world.officer).get(f"{API}/schools")) == {world.school_a.code, world.school_b.code}
    assert _codes(api_as(world.officer_wf).get(f"{API}/schools")) == {world.school_c.code}
    assert _codes(api_as(world.admin).get(f"{API}/schools")) == {world.school_a.code, world.school_b.code}


def test_school_detail_shows_kind_district_and_grades(world, api_as):
    response = api_as(world.approver_a).get(f"{API}/schools/{world.school_a.code}")

    assert response.status_code == 200
    assert response.json() | {"address": ""} == {
        "code": "4105030001",
        "name": "北关区红旗路小学",
        "kind": "primary",
        "kind_label": "小学",
        "district": "410503",
        "district_name": "北关区",
        "grades": [1, 2, 3, 4, 5, 6],
        "address": "",
    }


@pytest.mark.parametrize("suffix", ["", "/classes"])
def test_r2_2_other_school_is_404_like_a_missing_one(world, api_as, suffix):
    client = api_as(world.registrar_a)

    other = client.get(f"{API}/schools/{world.school_b.code}{suffix}")
    missing = client.get(f"{API}/schools/4105039999{suffix}")
    not_a_code = client.get(f"{API}/schools/abc{suffix}")

    assert other.status_code == missing.status_code == not_a_code.status_code == 404
    assert other.content == missing.content == not_a_code.content
    assert other.json()["code"] == "not_found"


def test_r2_2_other_district_is_404_for_an_officer(world, api_as):
    assert api_as(world.officer).get(f"{API}/schools/{world.school_c.code}").status_code == 404


@pytest.mark.parametrize("path", ["/schools", "/schools/4105030001", "/schools/4105030001/classes"])
def test_r2_2_auditor_is_403_and_anonymous_401(world, api_as, anonymous, path):
    forbidden = api_as(world.auditor).get(API + path)

    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "forbidden"
    assert anonymous.get(API + path).status_code == 401


def test_classes_of_the_current_year_with_student_counts(world, api_as, pupil_a):
    response = api_as(world.registrar_a).get(f"{API}/schools/{world.school_a.code}/classes")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": world.class_a1.pk,
            "name": "一年级（1）班",
            "school_year": 2026,
            "grade": 1,
            "number": 1,
            "capacity": 45,
            "head_teacher": "",
            "students": 1,
        }
    ]


def test_classes_of_another_year_and_bad_years(world, api_as):
    client = api_as(world.registrar_a)

    assert client.get(f"{API}/schools/{world.school_a.code}/classes?school_year=2025").json() == []
    bad = client.get(f"{API}/schools/{world.school_a.code}/classes?school_year=99999999999999999999")
    assert bad.status_code == 422
    assert bad.json()["field"] == "school_year"

"""Information changes through HTTP (R9.1): the request page (current values beside the new ones),
refusals at their fields without a 500 or a half-written case, the case page's old → new table,
the API's start; the edit page that shows what is left to edit directly."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import API, bearer
from tests.conftest import login
from tests.factories import enrolled, make_id
from xueji.changes.models import Case

pytestmark = pytest.mark.django_db
REQUEST = {"proof": "household", "reason": "登记时录入错误", "guardian_name": "王建国"}


@pytest.fixture
def pupil(world):
    return enrolled(world.school_a, grade=3)


def test_r9_1_the_request_page_shows_each_current_value_with_labels_not_codes(world, pupil):
    page = login(world.registrar_a).get(f"/cases/information/new/?student={pupil.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "现为：非农业户口" in html and "现为：汉族" in html and "现为：男" in html
    assert "关键信息" in html and "— 不变更 —" in html
    assert pupil.id_number not in html  # masked (R21.1)


def test_r9_1_a_request_filed_on_the_page_opens_a_case_with_old_and_new(world, pupil):
    client = login(world.registrar_a)
    response = client.post(
        "/cases/information/new/", {"student": pupil.pk, "name": "陈晓北", "household_type": "1", **REQUEST}
    )
    case = Case.objects.get(kind="information")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "陈小北" in html and "陈晓北" in html and "非农业户口" in html
    assert "报区教育局审批" in html


def test_r9_1_refusals_come_back_at_their_fields_and_nothing_is_written(world, pupil):
    response = login(world.registrar_a).post(
        "/cases/information/new/",
        {"student": pupil.pk, "id_number": make_id(pupil.birth_date)[:-1] + "Z", "phone": "12", "proof": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请选择证明材料" in html and "第九条" in html
    assert not Case.objects.exists()


def test_r9_1_another_schools_registrar_gets_404_and_the_approver_403(world, pupil):
    assert login(world.registrar_c).get(f"/cases/information/new/?student={pupil.pk}").status_code == 404
    assert login(world.approver_a).get(f"/cases/information/new/?student={pupil.pk}").status_code == 403


def test_r9_1_the_api_starts_a_request_and_refuses_a_duplicate_id_with_409(world, pupil):
    api = bearer(world.registrar_a)
    body = {"student_id": pupil.pk, "changes": {"household_type": "农业户口", "health": "20"}, **REQUEST}
    created = api.post(f"{API}/cases/information", body, content_type="application/json")
    assert created.status_code == 201, created.content
    facts = created.json()["facts"]
    assert facts["key_change"] is False
    assert facts["lines"] == ["健康状况：健康或良好 → 一般或较弱", "户口性质：非农业户口 → 农业户口"]
    other = enrolled(world.school_a, grade=3, name="李小南", birth=pupil.birth_date)
    clash = {"student_id": other.pk, "changes": {"id_number": pupil.id_number}, **REQUEST}
    refused = api.post(f"{API}/cases/information", clash, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["rule"] == "R6.2"
    bad = api.post(
        f"{API}/cases/information",
        {"student_id": other.pk, "changes": {"birth_date": "2017-02-30"}, **REQUEST},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "birth_date"
    again = api.post(f"{API}/cases/information", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "open_request"


def test_r9_1_the_edit_page_locks_filled_fields_outside_the_list_and_links_the_request(world, pupil):
    html = login(world.registrar_a).get(f"/students/{pupil.pk}/edit/").content.decode()
    assert f"/cases/information/new/?student={pupil.pk}" in html
    assert 'name="household_type"' in html and 'name="phone"' in html

    def disabled(name: str) -> bool:
        tag = re.search(rf"<(?:input|select)[^>]*name=\"{name}\"[^>]*>", html)
        assert tag is not None, name
        return "disabled" in tag.group(0)

    assert disabled("household_type") and disabled("name") and disabled("health")
    assert not disabled("phone") and not disabled("specialty")


def test_r9_1_saving_the_edit_page_keeps_locked_values_and_changes_the_rest(world, pupil):
    client = login(world.registrar_a)
    page = client.get(f"/students/{pupil.pk}/edit/")
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    locked = {n for n, f in page.context["form"].fields.items() if f.disabled}
    data = {k: v for k, v in form.items() if k not in locked}
    data.update(phone="13911112222", specialty="围棋", household_type="1")  # the last is locked: ignored
    response = client.post(f"/students/{pupil.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pupil.refresh_from_db()
    assert (pupil.phone, pupil.specialty, pupil.household_type) == ("13911112222", "围棋", "2")

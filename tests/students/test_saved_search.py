"""R21.1: no name or ID number in a URL. Searches post their terms, the server keeps them and the
pages are addressed by an opaque key that paging, the archive copies and the export reuse."""

from __future__ import annotations

import datetime as dt
import json

from tests.api.conftest import API, bearer
from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, student_payload
from tests.students.test_pages import _register
from xueji.audit.models import AuditEvent


def test_r21_1_a_posted_search_moves_to_a_key_that_holds_no_term(world):
    (student,) = _register(world, 1)
    client = login(world.registrar_a)
    answer = client.post("/students/", {"q": student.id_number})
    location = answer["Location"]
    assert answer.status_code == 302 and location.startswith("/students/?s=")
    assert student.id_number not in location and student.id_number[:6] not in location
    page = client.get(location).content.decode()
    assert f"/students/{student.pk}/" in page
    assert "共 1 名学生" in page


def test_r21_1_paging_keeps_the_terms_through_the_key(world, monkeypatch):
    monkeypatch.setattr("xueji.students.views.PAGE_SIZE", 1)
    _register(world, 3)  # 测试甲, 测试乙, 测试丙
    client = login(world.registrar_a)
    first = client.post("/students/", {"q": "测试", "grade": "1"}, follow=True)
    key = first.redirect_chain[-1][0].split("s=")[1]
    assert 'aria-current="page">1<' in first.content.decode() and "共 3 页" in first.content.decode()
    second = client.get(f"/students/?s={key}&page=2").content.decode()
    assert 'aria-current="page">2<' in second and f'href="?s={key}&amp;page=3"' in second
    assert 'value="测试"' in second  # the form shows the terms again, read from the server


def test_r21_1_another_users_key_finds_nothing_and_says_search_again(world):
    (student,) = _register(world, 1)
    mine = login(world.registrar_a).post("/students/", {"q": student.name})
    stranger = login(world.approver_a)
    answer = stranger.get(mine["Location"], follow=True)
    page = answer.content.decode()
    assert answer.redirect_chain[-1][0] == "/students/"
    assert "这次查询已过期" in page and f'value="{student.name}"' not in page


def test_r21_1_an_old_link_with_the_terms_moves_them_out_of_the_url(world):
    (student,) = _register(world, 1)
    answer = login(world.registrar_a).get("/students/", {"q": student.xjh})
    assert answer.status_code == 302 and "s=" in answer["Location"] and student.xjh not in answer["Location"]


def test_r21_1_the_live_search_pushes_the_key_into_the_address_bar(world):
    (student,) = _register(world, 1)
    answer = login(world.registrar_a).post("/students/", {"q": "测试甲"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and f"/students/{student.pk}/" in answer.content.decode()
    assert answer["HX-Push-Url"].startswith("/students/?s=") and "测试" not in answer["HX-Push-Url"]


def test_r21_1_the_export_reads_the_posted_terms_and_the_key(world):
    _register(world, 3)
    client = login(world.registrar_a)
    posted = client.post("/students/export.xlsx", {"q": "测试甲", "layout": "list"})
    assert posted.status_code == 200 and posted["Content-Type"].startswith("application/vnd.openxml")
    key = client.post("/students/", {"q": "测试甲"})["Location"].split("s=")[1]
    by_key = client.get(f"/students/export.xlsx?s={key}&layout=list")
    assert by_key.status_code == 200
    notes = list(AuditEvent.objects.filter(action="export.students").values_list("note", flat=True))
    assert len(notes) == 2 and all("测试甲" in note for note in notes)


def test_r21_1_the_api_searches_with_the_terms_in_the_body(world):
    (student,) = _register(world, 1)
    client = bearer(world.registrar_a)
    answer = client.post(
        f"{API}/students/search", json.dumps({"q": student.id_number}), content_type="application/json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 1 and body["items"][0]["id"] == student.pk
    assert student.id_number not in answer.content.decode()  # masked in the answer
    event = AuditEvent.objects.filter(action="student.search").latest("id")
    assert student.id_number not in event.note
    refused = client.post(f"{API}/students/search", json.dumps({"qq": "x"}), content_type="application/json")
    assert refused.status_code == 422  # a misspelt term is refused, not silently dropped


def test_r21_1_a_key_lasts_a_day_and_the_daily_run_deletes_it(world):
    import datetime as dt

    from django.core.management import call_command

    from xueji.core import clock
    from xueji.core.models import SavedSearch

    (student,) = _register(world, 1)
    client = login(world.registrar_a)
    first = client.post("/students/", {"q": student.name})["Location"]
    second = client.post("/students/", {"q": "测试"})["Location"]  # both kept: rows, not one session value
    assert "这次查询已过期" not in client.get(first, follow=True).content.decode()
    assert "这次查询已过期" not in client.get(second, follow=True).content.decode()
    SavedSearch.objects.update(created_at=clock.now() - dt.timedelta(days=1, minutes=1))
    assert "这次查询已过期" in client.get(first, follow=True).content.decode()
    call_command("daily", stdout=__import__("io").StringIO())
    assert not SavedSearch.objects.exists()


def test_officers_pick_a_school_and_anyone_a_class_status_and_gender(world):
    """Issue 13: the search filters by school (officers), class (within one school), 学籍状态 and
    gender; the export reads the same filters (one reader), and a class of another school is
    ignored, never a leak."""
    from xueji.exchange.exports import StudentFilters, student_export_rows
    from xueji.students.services import student_register

    def register(name, gender_birth, school_class=None):
        birth, gender = gender_birth
        return student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student_payload(birth, name=name, male=gender == "1"),
            family=family_payload(),
            enrollment=enrollment_payload(),
            school_class=school_class,
        )

    boy = register("李春生", (dt.date(2020, 3, 1), "1"), world.class_a1)
    girl = register("李秋月", (dt.date(2020, 3, 2), "2"))
    officer = login(world.officer)
    page = officer.post("/students/", {"school": world.school_a.pk}, follow=True).content.decode()
    assert f'<option value="{world.school_a.pk}" selected>' in page and "全部班级" in page
    both = officer.post(
        "/students/", {"school": world.school_a.pk, "gender": "2"}, follow=True
    ).content.decode()
    assert "李秋月" in both and "李春生" not in both
    placed = (
        login(world.registrar_a)
        .post("/students/", {"class": world.class_a1.pk}, follow=True)
        .content.decode()
    )
    assert "李春生" in placed and "李秋月" not in placed
    none = login(world.registrar_a).post("/students/", {"status": "02"}, follow=True).content.decode()
    assert "李春生" not in none and "李秋月" not in none  # nobody is 休学
    # A class of another school is no filter at all for this registrar (and shows nothing of it).
    other = StudentFilters.from_params(world.registrar_a, {"class": str(world.class_c1.pk)})
    assert other.school_class is None
    chosen = StudentFilters.from_params(world.registrar_a, {"class": str(world.class_a1.pk), "gender": "1"})
    assert list(
        student_export_rows(requested_by=world.registrar_a, filters=chosen).values_list("student", flat=True)
    ) == [boy.pk]
    assert chosen.summary() == "一年级（1）班，男" and girl.pk


def test_the_pager_numbers_its_pages():
    from types import SimpleNamespace

    from xueji.core.pagination import page_numbers

    def at(number, last):
        return page_numbers(SimpleNamespace(number=number, paginator=SimpleNamespace(num_pages=last)))

    assert at(1, 1) == [1]
    assert at(1, 5) == [1, 2, 3, 4, 5]
    assert at(6, 15) == [1, None, 4, 5, 6, 7, 8, None, 15]
    assert at(4, 15) == [1, 2, 3, 4, 5, 6, None, 15]  # one page left out shows its number
    assert at(15, 15) == [1, None, 13, 14, 15]
    assert at(3, 15) == [1, 2, 3, 4, 5, None, 15]

"""Hardening (R2.3, R21.1): control characters in any page or API parameter are refused with a
clear 400 before any view, on both databases; no answer is kept by a cache."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.conftest import login
from xueji.students.models import Student

pytestmark = pytest.mark.django_db
SAID = "不可见的控制字符"


@pytest.mark.parametrize("value", ["王\x00小明", "\x1b[31m", "a\x7fb"], ids=["nul", "escape", "delete"])
def test_r2_3_control_characters_in_a_search_are_a_400_in_words(world, value):
    answer = login(world.registrar_a).get("/students/", {"q": value})
    assert answer.status_code == 400 and SAID in answer.content.decode()


def test_r2_3_control_characters_in_a_form_are_refused_and_nothing_is_stored(world):
    client = login(world.registrar_a)
    answer = client.post("/students/register/", {"name": "王\x00小明", "id_number": "x"})
    assert answer.status_code == 400 and SAID in answer.content.decode()
    assert not Student.objects.exists()
    login_page = Client().post("/login/", {"username": "reg_a\x00", "password": "x"})
    assert login_page.status_code == 400


def test_r2_3_control_characters_in_an_api_query_are_a_400_json(world):
    from xueji.org.tokens import api_token_issue

    raw, _ = api_token_issue(user=world.registrar_a)
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/students", {"q": "\x00"})
    assert answer.status_code == 400 and answer.json()["code"] == "control_character"


def test_r2_3_a_nul_in_a_json_body_is_refused_not_a_500(world):
    body = json.dumps({"username": "reg_a\u0000", "password": "x"})
    answer = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert answer.status_code in (400, 401, 422)


def test_r2_3_tabs_and_line_breaks_are_text(world):
    assert login(world.registrar_a).post("/students/", {"q": "王\t小明\r\n"}, follow=True).status_code == 200


def test_r21_1_pages_api_and_downloads_are_not_cached(world):
    client = login(world.registrar_a)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" in client.get("/login/").headers["Cache-Control"]
    from xueji.org.tokens import api_token_issue

    raw, _ = api_token_issue(user=world.registrar_a)
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/schools").headers["Cache-Control"]
        == "no-store"
    )


def test_r21_1_the_api_docs_need_a_login_in_production(world, settings):
    settings.ENV = "production"
    for path in ("/api/v1/docs", "/api/v1/openapi.json"):
        answer = Client().get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/")
        assert login(world.registrar_a).get(path).status_code == 200
    settings.ENV = "test"
    assert Client().get("/api/v1/openapi.json").status_code == 200


def test_r21_1_evidence_files_are_readable_by_the_server_alone(world, settings):
    import io
    import stat

    from xueji.core import evidence

    stored = evidence.store(io.BytesIO(b"%PDF-1.4 scan"))
    path = evidence.path_of(stored.storage_name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.django_db(transaction=True)
def test_r2_3_an_audit_row_outside_a_transaction_is_refused_even_with_python_o(world):
    from xueji.audit.models import AuditEvent
    from xueji.audit.services import audit_record

    with pytest.raises(RuntimeError, match="inside a service transaction"):
        audit_record(actor=world.registrar_a, action="x", subject=world.registrar_a)
    assert not AuditEvent.objects.filter(action="x").exists()

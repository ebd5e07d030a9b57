"""Bearer tokens: issue, use, expiry, refusal (R2.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import API
from tests.conftest import PASSWORD, give_second_factor, totp_now
from xueji.audit.models import AuditEvent
from xueji.org.models import ApiToken
from xueji.org.tokens import api_token_issue, api_token_user

BAD_CREDENTIALS = {"code": "bad_credentials", "rule": "R2.2", "message": "用户名或密码错误。", "field": None}


def _token_request(username: str, password: str):
    body = json.dumps({"username": username, "password": password})
    return Client().post(f"{API}/auth/token", body, content_type="application/json")


def test_r2_2_token_issue_returns_token_and_expiry(world):
    response = _token_request("reg_a", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get(user=world.registrar_a)
    # Only the digest is stored: the table alone cannot be replayed as tokens.
    assert token.digest == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in token.digest
    assert len(body["token"]) >= 40
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    event = AuditEvent.objects.get(action="api_token.issue")
    assert event.actor == world.registrar_a
    assert event.subject_id == str(token.pk)


def test_r2_2_token_authenticates_requests(world):
    give_second_factor(Client(), world.officer)  # officers always give one (R21.1)
    body = json.dumps({"username": "officer_bg", "password": PASSWORD, "otp": totp_now(world.officer)})
    raw = Client().post(f"{API}/auth/token", body, content_type="application/json").json()["token"]

    response = Client().get(f"{API}/schools", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 200
    assert {s["code"] for s in response.json()} == {world.school_a.code, world.school_b.code}


@pytest.mark.parametrize(
    ("username", "password"), [("reg_a", "wrong-password"), ("nobody", PASSWORD), ("", "")]
)
def test_r2_2_bad_credentials_are_401(world, username, password):
    response = _token_request(username, password)

    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS
    assert not ApiToken.objects.exists()


def test_r2_2_inactive_account_gets_no_token(world):
    world.registrar_a.is_active = False
    world.registrar_a.save()

    response = _token_request("reg_a", PASSWORD)

    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS


def test_r2_2_expired_token_is_401(world):
    raw, token = api_token_issue(user=world.registrar_a)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = Client().get(f"{API}/schools", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_r2_2_token_of_a_deactivated_account_stops_working(world):
    raw, _ = api_token_issue(user=world.registrar_a)
    world.registrar_a.is_active = False
    world.registrar_a.save()

    assert Client().get(f"{API}/schools", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Basic cmVnX2E6eA==",
        "Token abc",
        "Bearer " + "x" * 5000,
    ],
)
def test_r2_2_missing_or_malformed_authorization_is_401(world, header):
    headers = {"Authorization": header} if header else {}

    response = Client().get(f"{API}/students", headers=headers)

    assert response.status_code == 401
    assert response.json()["rule"] == "R2.2"


def test_r2_2_a_browser_session_is_not_api_authentication(world):
    """Bearer only: cookies never authenticate the API, so it needs no CSRF defence."""
    client = Client()
    client.force_login(world.registrar_a)

    assert client.get(f"{API}/schools").status_code == 401


def test_bearer_requests_need_no_csrf_token(world):
    raw, _ = api_token_issue(user=world.registrar_a)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})

    response = client.patch(
        f"{API}/students/999", json.dumps({"changes": {}}), content_type="application/json"
    )

    assert response.status_code == 404  # reached the handler, not a CSRF 403


def test_last_used_is_stamped_at_most_once_a_minute(world):
    raw, token = api_token_issue(user=world.registrar_a)

    assert api_token_user(raw) == world.registrar_a
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    api_token_user(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    api_token_user(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="api_token.issue").count() == 1  # reads write no audit rows


@pytest.mark.parametrize(
    "body", ["{", "[]", '{"username": "reg_a"}', '{"username": 1, "password": []}', '{"username": "\\u0000"}']
)
def test_token_request_with_bad_body_is_422(world, body):
    response = Client().post(f"{API}/auth/token", body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"

"""No input, however broken, makes the API answer 500: bad input is the client's 4xx, in JSON."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import API
from tests.factories import enrollment_payload, student_payload

HUGE = 10**30
MEGABYTE = "学" * (1024 * 1024 // 3)

# Raw request bodies: (bytes, content type)
BODIES: list[tuple[bytes, str]] = [
    (b"", "application/json"),
    (b"{not json", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"a string"', "application/json"),
    (b"null", "application/json"),
    (b"12345", "application/json"),
    (b'{"student": "x", "family": "y", "enrollment": 5, "changes": "z"}', "application/json"),
    (b'{"student": {"commute_km": NaN}, "enrollment": {}}', "application/json"),
    (
        b'{"student": {"name": "\\ud800"}, "changes": {"name": "\\udfff"}, "enrollment": {}}',
        "application/json",
    ),
    (
        b'{"student": {"name": "\\u0000"}, "changes": {"specialty": "a\\u0000b"}, "enrollment": {}}',
        "application/json",
    ),
    (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    (b"name=x&grade=1", "application/x-www-form-urlencoded"),
    (b"plain text", "text/plain"),
    (b'{"username": "reg_a", "password": "x"}', "application/xml"),
]


def _json_bodies() -> list[dict]:
    garbage_student = {field: HUGE for field in student_payload()}
    unicode_student = student_payload(
        name="\u202e王\u200b小\ufeff明\U0001f600", native_place="\U00010000" * 10
    )
    return [
        {"student": garbage_student, "enrollment": {k: HUGE for k in enrollment_payload()}, "class_id": HUGE},
        {"student": unicode_student, "family": [{"name": "\U0001f468\u200d\U0001f469"}], "enrollment": {}},
        {"student": student_payload(name=MEGABYTE), "enrollment": enrollment_payload(entry_date=MEGABYTE)},
        {"student": {}, "family": [{}, {}, {}], "enrollment": {"grade": -HUGE}},
        {"student": [], "family": {}, "enrollment": None},
        {"changes": {"birth_date": "9999-99-99", "phone": [1]}, "family": [None]},
        {"changes": {"commute_km": "1e999999"}, "confirm_region": "maybe"},
        {"changes": {}, "family": [{"is_guardian": HUGE, "position": HUGE}]},
        {"xjh": MEGABYTE, "student": student_payload(), "enrollment": enrollment_payload()},
        {"username": MEGABYTE, "password": MEGABYTE},
        {"username": ["reg_a"], "password": {"a": 1}},
        # A start's facts: wrong types, impossible dates, huge and odd values, a student id too big.
        {"student_id": HUGE, "ground": HUGE, "starts_on": "2026-02-30", "absence_from": "9999-99-99"},
        {
            "student_id": 1,
            "ground": "illness",
            "absence_from": "2026-09-10",
            "absence_to": "1900-01-01",
            "starts_on": MEGABYTE,
            "guardian_name": {"a": 1},
            "reason": "\u0000",
        },
        {"student_id": 1, "requested_grade": "1e999999", "resume_on": "2026-09-10", "returns_on": -HUGE},
        {"student_id": 1, "kind": "urge", "on": "2099-01-01", "who": MEGABYTE, "way": None, "result": [1]},
        {"student_id": 1, "external": {"name": HUGE, "grade": "九"}, "grounds": ["x"], "scope": {}},
    ]


PATHS = [
    ("post", "/auth/token"),
    ("get", "/schools"),
    ("get", "/schools/{code}"),
    ("get", "/schools/{code}/classes"),
    ("get", "/students"),
    ("post", "/students"),
    ("post", "/students/import-existing"),
    ("get", "/students/{id}"),
    ("patch", "/students/{id}"),
    ("get", "/students/{id}/history"),
    ("get", "/students/{id}/evidence"),
    ("post", "/students/{id}/evidence"),
    ("get", "/students/{id}/evidence/{id}/download"),
    ("get", "/students/{id}/periods"),
    ("get", "/students/{id}/follow-ups"),
    ("post", "/students/{id}/follow-ups"),
    # The status-change kinds' starts (each from its facts schema).
    ("post", "/cases/suspension"),
    ("post", "/cases/extension"),
    ("post", "/cases/resumption"),
    ("post", "/cases/abroad"),
    ("post", "/cases/abroad_return"),
    ("post", "/cases/transfer_out"),
    ("post", "/cases/transfer"),
]
IDS = ["1", str(HUGE), "-1", "0", "abc", "1e3", "%00", "%E5%AD%A6", "1.5", "0x10", " 1", "9" * 400]
CODES = ["4105030001", "%00", "x" * 5000, "%F0%9F%98%80", "..", "4105030001%20"]
QUERIES = [
    "",
    f"?page={HUGE}&page_size={HUGE}",
    "?grade=1e400&class_id=-5&incomplete=maybe",
    "?q=%00&school=%00",
    "?q=%FF%FE&school=4105020001",
    f"?q={'x' * 5000}",
    "?school_year=abc&unknown=1&page=1&page=2",
    "?q=G410503202003150038&school_year=2026",
]


def _assert_not_500(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:500])
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
        assert {"code", "rule", "message"} <= set(response.json()), what


@pytest.mark.parametrize(("method", "path"), PATHS, ids=[f"{m} {p}" for m, p in PATHS])
def test_malformed_bodies_never_500(world, api_as, pupil_a, method, path):
    client = api_as(world.registrar_a)
    url = API + path.format(code="4105030001", id=pupil_a.pk)
    for raw, content_type in BODIES:
        _assert_not_500(
            client.generic(method.upper(), url, raw, content_type=content_type), f"{url} {raw[:40]!r}"
        )
    for body in _json_bodies():
        data = json.dumps(body)
        _assert_not_500(
            client.generic(method.upper(), url, data, content_type="application/json"), f"{url} {data[:60]}"
        )
    garbage_upload = {
        "file": SimpleUploadedFile("\x00\u202e.pdf", b"\x00" * 10),
        "category": "\x00",
        "description": "x",
    }
    _assert_not_500(client.post(url, garbage_upload), f"{url} multipart")


@pytest.mark.parametrize(("method", "path"), PATHS, ids=[f"{m} {p}" for m, p in PATHS])
def test_malformed_paths_and_queries_never_500(world, api_as, pupil_a, method, path):
    client = api_as(world.officer)
    for ident in IDS:
        for code in CODES:
            if "{code}" not in path and code != CODES[0]:
                continue
            for query in QUERIES if "{id}" not in path or ident == IDS[0] else QUERIES[:1]:
                url = API + path.format(code=code, id=ident) + query
                _assert_not_500(client.generic(method.upper(), url), url[:120])
            if "{id}" not in path:
                break


def test_huge_and_non_numeric_ids_are_404_or_422(world, api_as):
    client = api_as(world.registrar_a)

    assert client.get(f"{API}/students/{HUGE}").status_code == 404
    assert client.get(f"{API}/students/-1").status_code == 404
    assert client.get(f"{API}/students/1/evidence/{HUGE}/download").status_code == 404
    assert client.get(f"{API}/students/abc").json()["field"] == "student_id"


def test_r2_3_broken_json_is_invalid_input(world, api_as):
    response = api_as(world.registrar_a).post(f"{API}/students", "{oops", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "JSON" in response.json()["message"]


def test_r2_3_nul_in_a_field_is_refused_at_the_field(world, api_as, pupil_a):
    body = json.dumps({"changes": {"specialty": "书\u0000法"}})

    response = api_as(world.registrar_a).patch(
        f"{API}/students/{pupil_a.pk}", body, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["field"] == "changes.specialty"


def test_r2_3_type_errors_name_every_field_in_chinese(world, api_as):
    body = json.dumps({"student": {"name": {"x": 1}}, "family": "none", "enrollment": {}})

    response = api_as(world.registrar_a).post(f"{API}/students", body, content_type="application/json")

    assert response.status_code == 422
    refusal = response.json()
    assert refusal["code"] == "invalid_input"
    assert {e["field"] for e in refusal["errors"]} == {"student.name", "family"}
    assert "student.name：应为文本、数字或布尔值" in refusal["message"]
    assert "family：应为 JSON 数组" in refusal["message"]


def test_commute_km_nan_text_is_refused_not_500(world, api_as, pupil_a):
    body = json.dumps({"changes": {"commute_km": "NaN"}})

    response = api_as(world.registrar_a).patch(
        f"{API}/students/{pupil_a.pk}", body, content_type="application/json"
    )

    assert response.status_code == 422


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
_field = st.sampled_from([*student_payload(), "grade", "entry_date", "nmae"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    student=st.dictionaries(_field, _json, max_size=5),
    enrollment=st.dictionaries(st.sampled_from(list(enrollment_payload())), _json, max_size=4),
    family=st.lists(
        st.dictionaries(st.sampled_from(["name", "phone", "relation", "id_number"]), _json), max_size=3
    ),
)
def test_any_json_registration_is_answered_without_500(world, api_as, student, enrollment, family):
    client = api_as(world.registrar_a)
    body = {
        "student": student_payload() | student,
        "enrollment": enrollment_payload() | enrollment,
        "family": family,
    }

    response = client.post(f"{API}/students", json.dumps(body), content_type="application/json")

    _assert_not_500(response, json.dumps(body)[:300])


def test_a_json_list_instead_of_an_object_is_invalid_input(world, api_as):
    response = api_as(world.registrar_a).post(f"{API}/students", "[]", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["field"] == "请求体"
    assert "应为 JSON 对象" in response.json()["message"]


def test_a_body_over_the_upload_limit_is_413(world, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"changes": {"specialty": "x" * 2048}})

    response = api_as(world.registrar_a).patch(f"{API}/students/1", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"

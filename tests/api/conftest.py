"""API personas: a Django test client per user, authenticated by a real bearer token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.org.tokens import api_token_issue
from xueji.students.services import student_register

API = "/api/v1"


def bearer(user) -> Client:
    raw, _ = api_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def api_as(world):
    """``api_as(world.registrar_a).get(...)``: requests go through URLs, middleware and auth."""
    return bearer


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def pupil_a(world):
    """A complete grade-1 record at school A (北关区红旗路小学), in class 1."""
    return student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(dt.date(2020, 3, 15)),
        family=family_payload(),
        enrollment=enrollment_payload(),
        school_class=world.class_a1,
    )


@pytest.fixture
def pupil_c(world):
    """A grade-1 record at school C, in the other district (文峰区)."""
    return student_register(
        actor=world.registrar_c,
        school=world.school_c,
        student=student_payload(dt.date(2020, 5, 2), male=False, name="李小红"),
        family=family_payload(),
        enrollment=enrollment_payload(),
        school_class=world.class_c1,
    )

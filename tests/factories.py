"""Test data: valid synthetic identities and ready-made registration payloads."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from xueji.core.identity import gb11643_check_char

_sequence = itertools.count(1)


def make_id(birth: dt.date, *, region: str = "410503", male: bool = True, seq: int | None = None) -> str:
    """A synthetic resident ID number with a correct check character (R6.3)."""
    n = seq if seq is not None else next(_sequence) % 500
    sequence = (n * 2 + (1 if male else 0)) % 1000
    if sequence % 2 != (1 if male else 0):
        sequence = (sequence + 1) % 1000
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + gb11643_check_char(body)


def student_payload(
    birth: dt.date = dt.date(2020, 3, 15), *, male: bool = True, **overrides: Any
) -> dict[str, Any]:
    """Every ★ field of the national form filled in: a complete record (R5.1)."""
    data = {
        "name": "王小明",
        "gender": "1" if male else "2",
        "birth_date": birth.isoformat(),
        "birthplace_code": "410503",
        "native_place": "河南安阳",
        "ethnicity": "01",
        "nationality": "CHN",
        "id_type": "1",
        "id_number": make_id(birth, male=male),
        "hk_mo_tw": "00",
        "political_status": "13",
        "health": "10",
        "household_place_code": "410503",
        "household_type": "2",
        "current_address": "安阳市北关区红旗路12号",
        "mailing_address": "安阳市北关区红旗路12号",
        "home_address": "安阳市北关区红旗路12号",
        "phone": "13812345678",
        "postal_code": "455000",
        "only_child": "否",
        "preschool": "是",
    }
    data.update(overrides)
    return data


def family_payload(**overrides: Any) -> list[dict[str, Any]]:
    father = {
        "name": "王建国",
        "relation": "1",
        "phone": "13912345678",
        "is_guardian": True,
        "id_type": "1",
        "id_number": make_id(dt.date(1988, 5, 4), male=True),
        "employer": "安阳钢铁集团",
    }
    father.update(overrides)
    return [father, {"name": "李红", "relation": "2", "phone": "13712345678", "is_guardian": True}]


def enrollment_payload(**overrides: Any) -> dict[str, Any]:
    data = {"grade": 1, "entry_date": "2026-09-01", "entry_mode": "11", "attendance_mode": "1", "source": "1"}
    data.update(overrides)
    return data

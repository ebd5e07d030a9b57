"""Which filled fields a registrar may correct directly, without a guardian's information-change
request (R9.1 Decision): a short list of non-identifying fields, each a district switch (1 = the
registrar corrects it directly, logged; 0 = only through the request and the school's approval).

Every other filled field of the student's own changes only through the request (R9.1); a blank
field is filled directly (R5.1). A switch is an ordinary district limit (org.policy), so the
district sets it with a reason, audited, and the policy list shows it.
"""

from __future__ import annotations

from typing import Any

from xueji.org.policy import Limit
from xueji.students import validation

_UNIT = "（1 允许，0 须走信息变更申请）"

# Contact and travel details change with the family's life and identify nobody; the district may
# take any of them back into the request. On by default: the contact fields.
_SWITCHES: dict[str, int] = {
    "phone": 1,
    "current_address": 1,
    "mailing_address": 1,
    "home_address": 1,
    "postal_code": 1,
    "email": 1,
    "homepage": 1,
    "commute_km": 0,
    "commute_mode": 0,
    "school_bus": 0,
}

SWITCHES: dict[str, Limit] = {
    field: Limit(
        f"direct_edit.{field}",
        f"学籍管理员可直接更正「{validation.STUDENT_FIELDS[field][0]}」",
        _UNIT,
        "R9.1",
        default,
        0,
        1,
    )
    for field, default in _SWITCHES.items()
}


def correctable(district: Any) -> frozenset[str]:
    """The filled fields the schools under ``district`` may correct directly."""
    return frozenset(field for field, limit in SWITCHES.items() if limit.value(district) == 1)


def labels(fields: Any) -> str:
    """ "联系电话、现住址" for a set of fields, in the national form's order."""
    return "、".join(label for field, (label, _) in validation.STUDENT_FIELDS.items() if field in fields)

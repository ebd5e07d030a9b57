"""The limits of the measures, as declarations with a default in settings and a district's own
value in an audited table (RULES.md: "keep limits and deadlines in configuration, not in code").

A limit is declared once where it is used (``Limit("transfer.step_days", …)``) and read with the
district it applies to: the closest jurisdiction's value (district, then city, then province)
wins, else the default in ``settings.XUEJI["POLICY"]``, else the declaration's. People see a
district's value as 区教育局规定; ``policy_set`` is the one write, audited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core.errors import RuleViolation
from xueji.org.models import PolicyValue, Role

# Every declared limit, by key: the policy page lists them.
DECLARED: dict[str, Limit] = {}


@dataclass(frozen=True)
class Limit:
    key: str
    label: str  # "转学每个环节办理时限"
    unit: str  # "个工作日", "个月", "年", "天"
    rule: str
    default: int
    minimum: int = 0
    maximum: int = 3650
    # Called with the jurisdiction once its value changed, inside policy_set's transaction: for a
    # limit whose value a stored flag depends on (R5.1's required proofs and ``is_complete``).
    on_change: Callable[[Any], None] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        DECLARED.setdefault(self.key, self)

    @property
    def fallback(self) -> int:
        """The deployment's default: settings first, then the declaration."""
        return int(settings.XUEJI.get("POLICY", {}).get(self.key, self.default))

    def value(self, district: Any = None) -> int:
        """The value for the schools under ``district`` (a Jurisdiction, or None: the default)."""
        if district is None:
            return self.fallback
        own = district_values(district.code).get(self.key)
        return own if own is not None else self.fallback

    def describe(self, district: Any = None) -> str:
        """As a person reads it: "10 个工作日（区教育局规定）" when the district set it."""
        value = self.value(district)
        own = value != self.fallback
        return f"{value} {self.unit}" + ("（区教育局规定）" if own else "")


# A district's own values, read once per process and kept briefly: limits are read on every page
# that shows a deadline, and change a few times a year. policy_set clears this process's copy;
# other server processes see a change within POLICY_CACHE_SECONDS.
_CACHE: dict[str, tuple[float, dict[str, int]]] = {}


def district_values(code: str) -> dict[str, int]:
    """Every limit the district (or its city or province) set, the closest winning: one query."""
    ttl = settings.XUEJI.get("POLICY_CACHE_SECONDS", 60)
    cached = _CACHE.get(code)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    codes = _scope_codes(code)
    rank = {c: i for i, c in enumerate(codes)}
    values: dict[str, tuple[int, int]] = {}
    for key, scope, value in PolicyValue.objects.filter(jurisdiction__code__in=codes).values_list(
        "key", "jurisdiction__code", "value"
    ):
        if key not in values or rank[scope] < values[key][0]:
            values[key] = (rank[scope], value)
    result = {key: value for key, (_rank, value) in values.items()}
    if ttl:
        _CACHE[code] = (now + ttl, result)
    return result


def _scope_codes(code: str) -> list[str]:
    # 410503 → 410503, 410500, 410000: the district, its city, its province.
    return list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000"]))


@transaction.atomic
def policy_set(*, actor: Any, jurisdiction: Any, key: str, value: int, reason: str) -> PolicyValue:
    """A district admin sets the district's own value for a limit, with its reason (audited)."""
    limit = DECLARED.get(key)
    if limit is None:
        raise RuleViolation(rule="R2.3", code="unknown_policy", field="key", message="没有这项规定。")
    if (
        actor is None
        or not actor.has_role(Role.DISTRICT_ADMIN)
        or not jurisdiction.code.startswith(actor.jurisdiction.scope_prefix)
    ):
        raise PermissionDenied("只有本区系统管理员可以设置区教育局规定。")
    if not limit.minimum <= value <= limit.maximum:
        raise RuleViolation(
            rule=limit.rule,
            code="out_of_range",
            field="value",
            message=f"{limit.label}应在 {limit.minimum}–{limit.maximum} {limit.unit}之间。",
        )
    if not reason.strip():
        raise RuleViolation(
            rule=limit.rule, code="reason_required", field="reason", message="请写明依据或理由。"
        )
    row = PolicyValue.objects.select_for_update().filter(jurisdiction=jurisdiction, key=key).first()
    old = row.value if row else None
    if row is None:
        row = PolicyValue(jurisdiction=jurisdiction, key=key)
    row.value, row.reason, row.updated_by = value, reason.strip()[:200], actor
    row.save()
    _CACHE.clear()
    if limit.on_change is not None:
        limit.on_change(jurisdiction)
    audit_record(
        actor=actor,
        action=actions.DISTRICT_POLICY_SET,
        subject=row,
        changes={key: [old if old is not None else limit.fallback, value]},
        rules=[limit.rule],
        note=reason,
    )
    return row

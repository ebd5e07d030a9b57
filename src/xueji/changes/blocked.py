"""Steps nobody can take: the party whose turn it is has no account able to act (a school without
an approver, a bureau without an officer, a registrar not on file). Such a case would wait
silently until its deadline passed; instead the district sees it blocked and why, and the
starting school's registrar is told (issue: the blocked step).

Read for many cases at once with a fixed number of queries: the able accounts of every party in
the cases' reach are read once, then each case is checked against them in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from xueji.changes import services as engine
from xueji.changes.models import Case
from xueji.changes.selectors import current_step
from xueji.core import clock
from xueji.org.models import RegistrarFiling, Role, User


@dataclass(frozen=True)
class Blocked:
    case: Case
    party: str  # the school or bureau whose turn it is
    roles: str  # the roles it lacks, as people read them
    why: str


def _able(cases: list[tuple[Case, Any]]) -> tuple[set[tuple[int, str]], list[tuple[str, str]]]:
    """(school id, role) of every school account able to act, and (scope prefix, role) of every
    bureau account, among the parties of these cases' current steps."""
    schools = {school.pk for _, (school, _bureau) in cases if school is not None}
    bureaus = {bureau.code for _, (_school, bureau) in cases if bureau is not None}
    codes = {c[:2] + "0000" for c in bureaus} | {c[:4] + "00" for c in bureaus} | bureaus
    users = list(
        User.objects.filter(is_active=True)
        .filter(Q(school_id__in=schools) | Q(jurisdiction__code__in=codes))
        .select_related("jurisdiction")
        .only("pk", "role", "school_id", "jurisdiction__code", "jurisdiction__level")
    )
    today = clock.today()
    filed = set(
        RegistrarFiling.objects.filter(
            Q(state=RegistrarFiling.State.ACTIVE)
            | Q(state=RegistrarFiling.State.GRACE, grace_until__gte=today),
            user_id__in=[u.pk for u in users if u.role == Role.REGISTRAR],
        ).values_list("user_id", "school_id")
    )
    at_school = {
        (u.school_id, u.role)
        for u in users
        if u.school_id and (u.role != Role.REGISTRAR or (u.pk, u.school_id) in filed)
    }
    at_bureau = [(u.jurisdiction.scope_prefix, u.role) for u in users if u.jurisdiction is not None]
    return at_school, at_bureau


def blocked(cases: Iterable[Case]) -> list[Blocked]:
    """The open cases among these whose current step nobody can take, and why."""
    owned = []
    for case in cases:
        if not case.is_open:
            continue
        step = current_step(case)
        if step is None:
            continue
        owned.append((case, engine.owner_of(case, step), step))
    if not owned:
        return []
    at_school, at_bureau = _able([(c, owner) for c, owner, _ in owned])
    found = []
    for case, (school, bureau), step in owned:
        if school is not None:
            able = any((school.pk, role) in at_school for role in step.roles)
            party = school.name
        elif bureau is not None:
            able = any(bureau.code.startswith(prefix) and role in step.roles for prefix, role in at_bureau)
            party = f"{bureau.name}教育局"
        else:
            continue
        if not able:
            roles = "或".join(str(Role(r).label) for r in step.roles)
            why = (
                f"{party}没有可以办理「{step.label}」的在用账号（{roles}"
                f"{'，学籍管理员须经区教育局备案' if Role.REGISTRAR in step.roles else ''}），"
                "这一环节无人办理，期限照常计算。请区安全管理员开通账号，或学校报备学籍管理员。"
            )
            found.append(Blocked(case, party, roles, why))
    return found

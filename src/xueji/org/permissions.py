"""Who may do what: role checks shared by services, views and the API (R2.2).

Scope (which objects a user sees) lives in the selectors; this module answers "may this user act".
Services call ``require_role`` themselves, so no caller can skip the check.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from xueji.org.models import Role, School

READ_STUDENTS = (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)
WRITE_STUDENTS = (Role.REGISTRAR,)
VIEW_SCHOOLS = (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN)
DECIDE_ENTRY = (Role.DISTRICT_OFFICER,)
READ_AUDIT = (Role.AUDITOR,)


def require_role(actor: Any, roles: tuple[str, ...], *, school: School | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` is active, holds a role and (for school roles) the school."""
    if actor is None or not actor.is_authenticated or not actor.has_role(*roles):
        refusal = getattr(actor, "refusal", None)
        said = refusal(*roles) if refusal is not None and actor.is_authenticated else ""
        raise PermissionDenied(said or "您的角色无权进行此操作。")
    if school is not None and actor.is_school_user and actor.school_id != school.pk:
        raise PermissionDenied("只能处理本校学生的学籍。")
    if (
        school is not None
        and actor.is_district_user
        and not school.district.code.startswith(actor.jurisdiction.scope_prefix)
    ):
        raise PermissionDenied("该学校不在您的管辖范围内。")

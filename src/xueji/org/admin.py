"""Django admin for the district admin's master data (R2.1, R2.2).

Saves go through org.services.master_data_save (validation, audit event, one transaction); lists
show only what lies under the admin's jurisdiction. Nothing is deleted: records are deactivated.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from xueji.org.models import (
    GradeCapacity,
    Jurisdiction,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    User,
)
from xueji.org.services import master_data_save


def _is_district_admin(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or user.role == Role.DISTRICT_ADMIN)


class MasterDataAdmin(admin.ModelAdmin):
    """Only district admins (and superusers); writes through the service; no deletes (R2.3)."""

    scope_field: str | None = None  # path to a district code, for scoping lists

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_district_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_district_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_district_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_district_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        user = request.user
        if self.scope_field and not user.is_superuser:
            rows = rows.filter(**{f"{self.scope_field}__startswith": user.jurisdiction.scope_prefix})
        return rows

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        master_data_save(actor=request.user, obj=obj, district=self._district_of(obj))

    def _district_of(self, obj: Any) -> Jurisdiction | None:
        if isinstance(obj, School):
            return obj.district
        if getattr(obj, "school", None) is not None:
            return obj.school.district
        return None


@admin.register(Jurisdiction)
class JurisdictionAdmin(MasterDataAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser  # the tree of GB/T 2260 codes is set once per deployment

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class GradeCapacityInline(admin.TabularInline):
    model = GradeCapacity
    extra = 0

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(School)
class SchoolAdmin(MasterDataAdmin):
    list_display = ("code", "name", "district", "kind", "grade_from", "grade_to", "is_active")
    list_filter = ("kind", "district", "is_active")
    search_fields = ("code", "name")
    scope_field = "district__code"
    inlines = [GradeCapacityInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for obj in formset.save(commit=False):
            master_data_save(actor=request.user, obj=obj, district=obj.school.district)


@admin.register(SchoolYear)
class SchoolYearAdmin(MasterDataAdmin):
    list_display = ("__str__", "start", "end")


@admin.register(Semester)
class SemesterAdmin(MasterDataAdmin):
    list_display = ("__str__", "start", "end", "teaching_weeks", "teaching_hours")
    list_filter = ("term",)


@admin.register(SchoolClass)
class SchoolClassAdmin(MasterDataAdmin):
    list_display = ("school", "school_year", "grade", "number", "capacity", "head_teacher")
    list_filter = ("school_year", "grade")
    search_fields = ("school__name",)
    scope_field = "school__district__code"


@admin.register(User)
class AccountAdmin(UserAdmin, MasterDataAdmin):
    list_display = ("username", "full_name", "role", "school", "jurisdiction", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份", {"fields": ("full_name", "phone", "role", "school", "jurisdiction", "is_active")}),
        ("登录", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"fields": ("username", "password1", "password2", "full_name", "role", "school", "jurisdiction")},
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request).select_related("school__district", "jurisdiction")
        user = request.user
        if user.is_superuser:
            return rows
        prefix = user.jurisdiction.scope_prefix
        return rows.filter(school__district__code__startswith=prefix) | rows.filter(
            jurisdiction__code__startswith=prefix
        )

    def _district_of(self, obj: Any) -> Jurisdiction | None:
        return obj.school.district if obj.school_id else obj.jurisdiction

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.is_staff = obj.role == Role.DISTRICT_ADMIN
        master_data_save(actor=request.user, obj=obj, district=self._district_of(obj))

"""Django admin for the district admin's master data (R2.1, R2.2).

Saves go through org.services.master_data_save (validation, audit event, one transaction); lists
show only what lies under the admin's jurisdiction. Nothing is deleted: records are deactivated.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from xueji.org import second_factor
from xueji.org.account_services import password_reset, tokens_revoke
from xueji.org.models import (
    ADMIN_ROLES,
    STAFF_ROLES,
    GradeCapacity,
    Jurisdiction,
    PolicyValue,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    User,
)
from xueji.org.policy import policy_set
from xueji.org.services import master_data_save


def _holds(request: HttpRequest, role: str) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or user.role == role)


class MasterDataAdmin(admin.ModelAdmin):
    """Only district system administrators (and superusers); writes through the service; no
    deletes (R2.3). The accounts are the security administrator's (``keeper``, 三权分立)."""

    scope_field: str | None = None  # path to a district code, for scoping lists
    keeper: str = Role.DISTRICT_ADMIN

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _holds(request, self.keeper)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _holds(request, self.keeper)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _holds(request, self.keeper)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _holds(request, self.keeper)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        user = request.user
        if self.scope_field and not user.is_superuser:
            assert (
                isinstance(user, User) and user.jurisdiction is not None
            )  # a security administrator (above)
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

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # The school list offers the admin's own district's schools only, as its class list shows.
        if db_field.name == "school" and not request.user.is_superuser:
            user = request.user
            assert isinstance(user, User) and user.jurisdiction is not None  # a district admin (above)
            kwargs["queryset"] = School.objects.filter(
                district__code__startswith=user.jurisdiction.scope_prefix
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class AccountAdmin(UserAdmin, MasterDataAdmin):
    keeper = Role.SECURITY_ADMIN  # 三权分立: accounts and roles are the security administrator's

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The three administrators' accounts and one's own are the superuser's to change: shown
        # read-only here rather than as a form whose saving is refused (org.services).
        user = request.user
        if obj is not None and not user.is_superuser and (obj.role in ADMIN_ROLES or obj.pk == user.pk):
            return False
        return super().has_change_permission(request, obj)

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
    actions = ["reset_second_factor"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # Read-only (an administrator's account, or one's own): no password line, whose
        # 「重置密码」 would lead to a refusal and whose hash summary tells a reader nothing.
        if obj is not None and not self.has_change_permission(request, obj):
            return ((None, {"fields": ("username",)}), *self.fieldsets[1:])
        return super().get_fieldsets(request, obj)

    @admin.action(description="重置两步验证（手机丢失或更换，本人下次登录重新设置）")
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        assert isinstance(request.user, User)  # the admin site's own login
        for user in queryset:
            second_factor.device_reset(actor=request.user, user=user)
        self.message_user(request, f"已重置 {len(queryset)} 个账号的两步验证。")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request).select_related("school__district", "jurisdiction")
        user = request.user
        if user.is_superuser:
            return rows
        assert isinstance(user, User) and user.jurisdiction is not None  # a security administrator (above)
        prefix = user.jurisdiction.scope_prefix
        return rows.filter(school__district__code__startswith=prefix) | rows.filter(
            jurisdiction__code__startswith=prefix
        )

    def _district_of(self, obj: Any) -> Jurisdiction | None:
        return obj.school.district if obj.school_id else obj.jurisdiction

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.is_staff = obj.role in STAFF_ROLES
        master_data_save(actor=request.user, obj=obj, district=self._district_of(obj))
        if change and "is_active" in form.changed_data and not obj.is_active:
            assert isinstance(request.user, User)  # the admin site's own login
            tokens_revoke(actor=request.user, user=obj, reason="账号停用")  # R21.1: no access left

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """The admin's "重置密码": through the service (audited, tokens ended, change at next login)."""
        assert isinstance(request.user, User)  # the admin site's own login
        actor: User = request.user

        class ResetForm(AdminPasswordChangeForm):
            def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
                super().__init__(user, *args, **kwargs)
                # A reset sets a new password; turning password login off is deactivation's job.
                self.fields.pop("usable_password", None)
                self.fields["password1"].required = self.fields["password2"].required = True

            def save(self, commit: bool = True) -> Any:
                return password_reset(
                    actor=actor, user=self.user, new_password=self.cleaned_data["password1"]
                )

        this = copy.copy(self)  # this request's form, without touching the shared admin instance
        this.change_password_form = ResetForm
        return UserAdmin.user_change_password(this, request, id, form_url)


# --------------------------------------------------------------------------- the district's limits


class PolicyValueForm(forms.ModelForm):
    key = forms.ChoiceField(label="规定")

    class Meta:
        model = PolicyValue
        fields = ("jurisdiction", "key", "value", "reason")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        key = self.fields["key"]
        assert isinstance(key, forms.ChoiceField)  # declared above
        key.choices = [
            (
                limit.key,
                f"{limit.label}（默认 {limit.fallback} {limit.unit}，{limit.minimum}–{limit.maximum}，{limit.rule}）",
            )
            for limit in sorted(declared_limits().values(), key=lambda limit: limit.rule)
        ]

    def clean(self) -> dict[str, Any]:
        # The service's own checks, shown at the fields instead of failing the save.
        data = super().clean() or {}
        limit = declared_limits().get(data.get("key", ""))
        value = data.get("value")
        if limit is not None and value is not None and not limit.minimum <= value <= limit.maximum:
            self.add_error("value", f"{limit.label}应在 {limit.minimum}–{limit.maximum} {limit.unit}之间。")
        if not (data.get("reason") or "").strip():
            self.add_error("reason", "请写明依据或理由。")
        return data


def declared_limits() -> dict[str, Any]:
    """Every limit the code declares: they are declared where they are used, so the modules that
    declare them are loaded first (the URLconf loads every kind)."""
    from django.urls import get_resolver

    from xueji.org.policy import DECLARED

    get_resolver().url_patterns  # noqa: B018
    return DECLARED


@admin.register(PolicyValue)
class PolicyValueAdmin(MasterDataAdmin):
    """区教育局规定: a district's own value for a limit of the measures, set with its reason through
    org.policy.policy_set (audited); the defaults stay in settings."""

    form = PolicyValueForm
    list_display = ("label", "value", "reason", "jurisdiction", "updated_by", "updated_at")
    scope_field = "jurisdiction__code"

    @admin.display(description="规定")
    def label(self, obj: PolicyValue) -> str:
        limit = declared_limits().get(obj.key)
        return f"{limit.label}（{limit.unit}）" if limit else obj.key

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "jurisdiction" and not request.user.is_superuser:
            user = request.user
            assert (
                isinstance(user, User) and user.jurisdiction is not None
            )  # a security administrator (above)
            kwargs["queryset"] = Jurisdiction.objects.filter(code__startswith=user.jurisdiction.scope_prefix)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        policy_set(
            actor=request.user,
            jurisdiction=obj.jurisdiction,
            key=obj.key,
            value=obj.value,
            reason=obj.reason,
        )

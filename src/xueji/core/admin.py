"""Django admin for the working-day calendar (RULES.md Calendar; decision 0009).

District admins list, add, change and delete day overrides of their own jurisdiction and load a
whole year's schedule from a CSV file; deployment-wide rows are read-only to them unless their
jurisdiction contains the deployment's home district. Every write goes through org.calendar_services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from xueji.core.calendar import LIBRARY_YEARS
from xueji.core.errors import RuleViolation
from xueji.core.models import SOURCE_MAX_LENGTH, YEAR_MAX, YEAR_MIN, CalendarOverride, CalendarYear
from xueji.org.calendar_services import (
    calendar_csv_parse,
    calendar_day_delete,
    calendar_day_set,
    calendar_may_write,
    calendar_write_refusal,
    calendar_year_load,
)
from xueji.org.models import Jurisdiction, Role
from xueji.org.selectors import calendar_override_list, calendar_writable_jurisdictions, calendar_year_list

WEEKDAYS = "一二三四五六日"
DEPLOYMENT_WIDE_LABEL = "全系统（国务院公布的安排）"


def _is_calendar_admin(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or user.role == Role.DISTRICT_ADMIN)


def _violations(exc: RuleViolation) -> list[RuleViolation]:
    return list(getattr(exc, "violations", [exc]))


class CalendarAdminBase(admin.ModelAdmin):
    change_list_template = "admin/core/calendar_change_list.html"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_calendar_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_calendar_admin(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {"load_url": reverse("admin:core_calendaryear_load"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    @admin.display(description="适用范围", ordering="jurisdiction__code")
    def scope(self, obj: Any) -> str:
        return obj.jurisdiction.name if obj.jurisdiction_id else "全系统"


class CalendarOverrideForm(forms.ModelForm):
    actor: Any = None  # set per request by CalendarOverrideAdmin.get_form

    class Meta:
        model = CalendarOverride
        fields = ["day", "kind", "note", "jurisdiction"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "jurisdiction" in self.errors:
            return data
        if not self.instance.pk and (message := calendar_write_refusal(self.actor, data.get("jurisdiction"))):
            raise ValidationError(message)
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(CalendarAdminBase):
    form = CalendarOverrideForm
    list_display = ("day", "weekday", "kind", "note", "scope", "updated_by", "updated_at")
    list_filter = ("kind",)
    date_hierarchy = "day"
    search_fields = ("note", "jurisdiction__name")

    @admin.display(description="星期")
    def weekday(self, obj: CalendarOverride) -> str:
        return f"周{WEEKDAYS[obj.day.weekday()]}"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarOverride]:
        return calendar_override_list(requested_by=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_calendar_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return _is_calendar_admin(request)
        return calendar_may_write(request.user, obj.jurisdiction)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A row is one day of one scope: moving it would silently change two days at once.
        return ("day", "jurisdiction") if obj is not None else ()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = calendar_writable_jurisdictions(requested_by=request.user)
            kwargs["required"] = not calendar_may_write(request.user, None)
            kwargs["empty_label"] = DEPLOYMENT_WIDE_LABEL
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool) -> None:
        saved = calendar_day_set(
            actor=request.user, day=obj.day, kind=obj.kind, note=obj.note, jurisdiction=obj.jurisdiction
        )
        obj.pk, obj.updated_by, obj.updated_at = saved.pk, saved.updated_by, saved.updated_at

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        calendar_day_delete(actor=request.user, override=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for override in queryset:  # one audited write per day, each checked by the service
            calendar_day_delete(actor=request.user, override=override)


class YearLoadForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=YEAR_MIN, max_value=YEAR_MAX)
    jurisdiction: forms.ModelChoiceField[Jurisdiction] = forms.ModelChoiceField(
        label="适用范围", queryset=None, required=False
    )
    source = forms.CharField(
        label="依据",
        max_length=SOURCE_MAX_LENGTH,
        required=False,
        help_text="如：国务院办公厅关于2027年部分节假日安排的通知",
    )
    file = forms.FileField(
        label="CSV 文件",
        help_text="表头 date,kind,note；kind 填 放假/holiday 或 上班/workday。也接受 date,weekday,kind,holiday 格式。",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        assert isinstance(field, forms.ModelChoiceField)  # declared above
        field.queryset = calendar_writable_jurisdictions(requested_by=user)
        field.required = not calendar_may_write(user, None)
        field.empty_label = DEPLOYMENT_WIDE_LABEL


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdminBase):
    """Years entered in full; read-only here: a year is (re)loaded only through the load page."""

    list_display = ("year", "scope", "day_count", "source", "loaded_by", "loaded_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return calendar_year_list(requested_by=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        load = path("load/", self.admin_site.admin_view(self.load_view), name="core_calendaryear_load")
        return [load, *super().get_urls()]

    def load_view(self, request: HttpRequest) -> HttpResponse:
        if not _is_calendar_admin(request):
            raise PermissionDenied
        form = YearLoadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                rows = calendar_csv_parse(data["file"])
                record = calendar_year_load(
                    actor=request.user,
                    year=data["year"],
                    rows=rows,
                    jurisdiction=data["jurisdiction"],
                    source=data["source"],
                )
            except RuleViolation as exc:
                for violation in _violations(exc):
                    field = {"rows": "file", "day": "file"}.get(violation.field or "", violation.field)
                    form.add_error(field if field in form.fields else None, violation.message)
            except PermissionDenied as exc:
                form.add_error("jurisdiction", str(exc))
            else:
                self.message_user(
                    request,
                    f"已载入 {record}，共 {record.day_count} 天；该年的期限不再是推算值。",
                    messages.SUCCESS,
                )
                return redirect("admin:core_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "载入全年节假日安排",
            "form": form,
            "library_first": LIBRARY_YEARS.start,
            "library_last": LIBRARY_YEARS.stop - 1,
            "entered": calendar_year_list(requested_by=request.user)[:20],
        }
        return TemplateResponse(request, "admin/core/calendaryear/load.html", context)

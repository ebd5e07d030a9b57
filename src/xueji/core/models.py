"""The district's working-day calendar: day overrides and whole years entered (RULES.md Calendar).

``chinesecalendar`` knows the State Council's schedule up to the year it was released for; these
tables add what it does not know: a new year's schedule entered by the district admin before the
library is upgraded, and local closures of one district (or city, or province). Writes go through
``org.calendar_services``; reads through ``core.calendar`` (working days) and ``org.selectors``
(semesters, the admin pages).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

# Years an entry may concern: wide enough for any schedule a district will enter, narrow enough
# to catch a typed 20226.
YEAR_MIN, YEAR_MAX = 2000, 2099
NOTE_MAX_LENGTH = 100
SOURCE_MAX_LENGTH = 200


class CalendarOverride(models.Model):
    """One day that is a rest day or a working day other than the library (or Mon–Fri) says.

    ``jurisdiction`` null: applies to the whole deployment (a State Council schedule the library does
    not know yet). Otherwise it applies to the schools under that jurisdiction (a local closure);
    the most specific jurisdiction wins (district > city > province > deployment-wide).
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "上班"

    day = models.DateField("日期")
    kind = models.CharField("类型", max_length=7, choices=Kind.choices)
    note = models.CharField("说明", max_length=NOTE_MAX_LENGTH, blank=True)
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="适用范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示全系统适用（如国务院公布的新年度安排）；选择区县表示该区县的学校放假或上班。",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["-day", "jurisdiction__code"]
        constraints = [
            # One override per day per jurisdiction. NULL never equals NULL in a unique index (on
            # SQLite and PostgreSQL alike), so the deployment-wide rows need their own partial index.
            models.UniqueConstraint(
                fields=["day", "jurisdiction"],
                condition=Q(jurisdiction__isnull=False),
                name="calendar_override_one_per_jurisdiction",
                violation_error_message="该范围内这一天已有设置，请修改原有记录。",
            ),
            models.UniqueConstraint(
                fields=["day"],
                condition=Q(jurisdiction__isnull=True),
                name="calendar_override_one_deployment_wide",
                violation_error_message="全系统范围内这一天已有设置，请修改原有记录。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "workday"]), name="calendar_override_kind"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="calendar_override_day_idx")]

    def __str__(self) -> str:
        scope = self.jurisdiction.name if self.jurisdiction is not None else "全系统"
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}（{scope}）"


class CalendarYear(models.Model):
    """A year whose whole schedule has been entered: deadlines in it are authoritative, not provisional."""

    year = models.PositiveSmallIntegerField(
        "年份", validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="适用范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField("依据", max_length=SOURCE_MAX_LENGTH, blank=True)
    day_count = models.PositiveSmallIntegerField("调整天数", default=0)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = verbose_name_plural = "已录入的年度安排"
        ordering = ["-year", "jurisdiction__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "jurisdiction"],
                condition=Q(jurisdiction__isnull=False),
                name="calendar_year_one_per_jurisdiction",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(jurisdiction__isnull=True),
                name="calendar_year_one_deployment_wide",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="calendar_year_range"
            ),
        ]

    def __str__(self) -> str:
        scope = self.jurisdiction.name if self.jurisdiction is not None else "全系统"
        return f"{self.year}年安排（{scope}）"


class SavedSearch(models.Model):
    """A search's terms kept on the server, addressed by a random key (``core.saved_search``),
    so no name or ID number travels in a URL (R21.1). Rows are only ever inserted (two searches
    at once cannot overwrite each other) and are deleted a day later by ``xueji daily``."""

    key = models.CharField(max_length=24, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    terms = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "保存的查询"

    def __str__(self) -> str:
        return self.key

"""Jurisdictions, schools, classes, school years and the accounts that work in them (R2.1, R2.2)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property

from xueji.core import clock
from xueji.core.codes import GRADE_NAMES


class Jurisdiction(models.Model):
    """A level of GB/T 2260 administration: province → city → district (R2.1)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        DISTRICT = "district", "区县"

    code = models.CharField(
        "行政区划代码", max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$")]
    )
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def scope_prefix(self) -> str:
        """The code prefix shared by every district under this jurisdiction: 41, 4105, 410503."""
        return {"province": self.code[:2], "city": self.code[:4]}.get(self.level, self.code)


class School(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", "小学"
        JUNIOR = "junior", "初中"
        NINE_YEAR = "nine_year", "九年一贯制学校"
        SPECIAL = "special", "特殊教育学校"

    # Grades each kind offers unless the school says otherwise.
    DEFAULT_GRADES = {"primary": (1, 6), "junior": (7, 9), "nine_year": (1, 9), "special": (1, 9)}

    code = models.CharField(
        "学校标识码",
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^\d{10}$", "学校标识码为10位数字")],
    )
    name = models.CharField("学校名称", max_length=100)
    district = models.ForeignKey(
        Jurisdiction,
        verbose_name="所属区县",
        on_delete=models.PROTECT,
        limit_choices_to={"level": Jurisdiction.Level.DISTRICT},
        related_name="schools",
    )
    kind = models.CharField("办学类型", max_length=10, choices=Kind.choices)
    grade_from = models.PositiveSmallIntegerField(
        "最低年级", validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    grade_to = models.PositiveSmallIntegerField(
        "最高年级", validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    address = models.CharField("地址", max_length=200, blank=True)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "学校"
        ordering = ["district__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_from__lte=models.F("grade_to")), name="school_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grades(self) -> range:
        return range(self.grade_from, self.grade_to + 1)

    def offers_grade(self, grade: int) -> bool:
        return self.grade_from <= grade <= self.grade_to


class GradeCapacity(models.Model):
    """Seats a school has in one grade (学位), read by the transfers' capacity check."""

    school = models.ForeignKey(
        School, verbose_name="学校", on_delete=models.CASCADE, related_name="capacities"
    )
    grade = models.PositiveSmallIntegerField("年级", validators=[MinValueValidator(1), MaxValueValidator(9)])
    classes = models.PositiveSmallIntegerField("班级数")
    seats_per_class = models.PositiveSmallIntegerField("每班学位数", default=45)

    class Meta:
        verbose_name = verbose_name_plural = "年级学位"
        constraints = [models.UniqueConstraint(fields=["school", "grade"], name="capacity_one_per_grade")]

    def __str__(self) -> str:
        return f"{self.school} {GRADE_NAMES.get(self.grade, self.grade)}"

    @property
    def seats(self) -> int:
        return self.classes * self.seats_per_class


class SchoolYear(models.Model):
    start_year = models.PositiveSmallIntegerField("起始年份", unique=True)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")

    class Meta:
        verbose_name = verbose_name_plural = "学年"
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="school_year_order")
        ]

    def __str__(self) -> str:
        return f"{self.start_year}—{self.start_year + 1}学年"


class Semester(models.Model):
    """A term as the district sets it; the 1/3 rule and the two-month window read these dates."""

    class Term(models.TextChoices):
        AUTUMN = "autumn", "秋季学期"
        SPRING = "spring", "春季学期"

    school_year = models.ForeignKey(
        SchoolYear, verbose_name="学年", on_delete=models.PROTECT, related_name="semesters"
    )
    term = models.CharField("学期", max_length=6, choices=Term.choices)
    start = models.DateField("开学日期")
    end = models.DateField("结束日期")
    teaching_weeks = models.PositiveSmallIntegerField("教学周数")
    teaching_hours = models.PositiveIntegerField("总学时")

    class Meta:
        verbose_name = verbose_name_plural = "学期"
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "term"], name="semester_one_per_term"),
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="semester_order"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.get_term_display()}"


class SchoolClass(models.Model):
    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="classes")
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="学年", on_delete=models.PROTECT, related_name="classes"
    )
    grade = models.PositiveSmallIntegerField("年级", validators=[MinValueValidator(1), MaxValueValidator(9)])
    number = models.PositiveSmallIntegerField("班号", validators=[MinValueValidator(1)])
    capacity = models.PositiveSmallIntegerField("额定人数", default=45)
    head_teacher = models.CharField("班主任", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "班级"
        ordering = ["school_year", "grade", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "grade", "number"], name="class_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{GRADE_NAMES.get(self.grade, self.grade)}（{self.number}）班"


class Role(models.TextChoices):
    """R2.2. School roles hang on a school, district roles on a jurisdiction."""

    REGISTRAR = "registrar", "学籍管理员"
    SCHOOL_APPROVER = "school_approver", "学校审核人"
    DISTRICT_OFFICER = "district_officer", "区教育局学籍干部"
    DISTRICT_ADMIN = "district_admin", "区系统管理员"
    # 等保 三权分立: accounts and their roles belong to the security administrator, master data to
    # the system administrator, the logs to the auditor; no one holds two of them.
    SECURITY_ADMIN = "security_admin", "区安全管理员"
    AUDITOR = "auditor", "审计员"


SCHOOL_ROLES = frozenset({Role.REGISTRAR, Role.SCHOOL_APPROVER})
JURISDICTION_ROLES = frozenset(
    {Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
)
# The three administrators (三员): their accounts are opened and changed by the superuser only.
ADMIN_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
STAFF_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN})  # they work in Django's admin


NOT_ON_FILE = (
    "您的学籍管理员备案尚未完成，暂不能办理学籍业务（《办法》第十九条：先备案、培训，后上岗）。"
    "请学校审核人在「学籍管理员备案」中报备，区教育局登记培训并确认后即可使用。"
)


class User(AbstractUser):
    """An account belongs to exactly one school or one jurisdiction (R2.2); the database holds it."""

    full_name = models.CharField("姓名", max_length=30)
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    school = models.ForeignKey(School, verbose_name="学校", null=True, blank=True, on_delete=models.PROTECT)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区划", null=True, blank=True, on_delete=models.PROTECT
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    # Set when an administrator resets the password: the account changes it at its next login.
    # db_default too: an insert by code that predates the column (a rolling upgrade) still works.
    must_change_password = models.BooleanField("下次登录须修改密码", default=False, db_default=False)

    class Meta:
        verbose_name = verbose_name_plural = "账号"
        constraints = [
            models.CheckConstraint(
                name="user_one_unit_for_role",
                condition=(
                    Q(role__in=sorted(SCHOOL_ROLES), school__isnull=False, jurisdiction__isnull=True)
                    | Q(role__in=sorted(JURISDICTION_ROLES), school__isnull=True, jurisdiction__isnull=False)
                    # superusers created from the command line before any unit exists
                    | Q(role="", school__isnull=True, jurisdiction__isnull=True, is_superuser=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.get_role_display() or '超级用户'}）"

    @property
    def unit_name(self) -> str:
        if self.school is not None:
            return self.school.name
        if self.jurisdiction is not None:
            return self.jurisdiction.name
        return ""

    @property
    def is_school_user(self) -> bool:
        return self.role in SCHOOL_ROLES

    @property
    def is_district_user(self) -> bool:
        return self.role in JURISDICTION_ROLES

    def has_role(self, *roles: str) -> bool:
        if not self.is_active or self.role not in roles:
            return False
        # R19.1: a registrar acts only once filed with the district and trained (先培训后上岗).
        return self.role != Role.REGISTRAR or self.registrar_on_file

    def refusal(self, *roles: str) -> str:
        """Why ``has_role(*roles)`` says no, when the words can tell the person what to do ('' else)."""
        if (
            self.is_active
            and self.role in roles
            and self.role == Role.REGISTRAR
            and not self.registrar_on_file
        ):
            return NOT_ON_FILE
        return ""

    @cached_property
    def registrar_on_file(self) -> bool:
        """R19.1: this registrar's filing is acknowledged (or its go-live grace has not run out).
        Once per request: the request's user object is new each time."""
        today = clock.today()
        if self.school_id is None:
            return False
        return RegistrarFiling.objects.filter(
            Q(state=RegistrarFiling.State.ACTIVE)
            | Q(state=RegistrarFiling.State.GRACE, grace_until__gte=today),
            user_id=self.pk,
            school_id=self.school_id,
        ).exists()


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is kept, so a leaked table grants nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Revoked tokens stay, for the log of who held which access when; they authenticate nothing.
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_reason = models.CharField("撤销原因", max_length=50, blank=True, db_default="")

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} 令牌 {self.digest[:8]}…"


class PolicyValue(models.Model):
    """A district's own value for a limit of the measures (a day count, a window, a threshold).

    Every limit has its default in settings (XUEJI["POLICY"]); a district (or a city or province
    above it, the closest wins) may set its own here, with a reason, through org.policy. Users see
    these as 区教育局规定. Changes are audited; old values stay in the audit log.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="适用范围", on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField("规定", max_length=50)
    value = models.IntegerField("取值")
    reason = models.CharField("依据或理由", max_length=200)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设置人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "区教育局规定"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "key"], name="policy_value_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}（{self.jurisdiction_id}）"


class RegistrarFiling(models.Model):
    """R19.1, R19.2: a registrar filed by the school with the district, and the district's answer.

    The school's approver files the account with the name, contact and appointment document (for a
    change of registrar, the official document, 红头文件, and the predecessor it replaces); the
    district officer records the training date and acknowledges, or returns it with a reason. The
    rows of a school, in order, are the history of who held the post and when. Registrars already
    working when filing began hold a GRACE row until a date, then must be filed like anyone else.
    """

    class State(models.TextChoices):
        GRACE = "grace", "待补备案（过渡期内可办理）"
        FILED = "filed", "已报备，待区教育局确认"
        ACTIVE = "active", "在岗"
        RETURNED = "returned", "已退回"
        ENDED = "ended", "已离岗"

    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        User, verbose_name="账号", on_delete=models.PROTECT, related_name="registrar_filings"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices)
    full_name = models.CharField("姓名", max_length=30)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    # The appointment document, or for a change of registrar the official document (红头文件).
    document_name = models.CharField("任命文件", max_length=200, blank=True)
    storage_name = models.CharField(max_length=64, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    replaces = models.ForeignKey(
        "self", verbose_name="接替", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("报备时间", null=True, blank=True)
    trained_on = models.DateField("培训完成日期", null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    return_reason = models.CharField("退回理由", max_length=200, blank=True)
    grace_until = models.DateField("过渡期至", null=True, blank=True)
    started_on = models.DateField("上岗日期", null=True, blank=True)
    ended_on = models.DateField("离岗日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学籍管理员备案"
        ordering = ["school_id", "-id"]
        indexes = [models.Index(fields=["user", "state"], name="filing_user_state_idx")]
        constraints = [
            # One live filing per account: in grace, waiting for the district, or in post.
            models.UniqueConstraint(
                fields=["user"], condition=Q(state__in=["grace", "filed", "active"]), name="filing_one_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.get_state_display()}）"

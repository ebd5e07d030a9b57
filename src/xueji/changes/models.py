"""Status-change cases: one model and one engine for every kind (transfer, suspension, …).

A case walks through the steps its kind declares (changes/kinds/); each step has an owner (a
school or a bureau), a role that acts, and a due date counted in working days from the day the
step became that owner's turn. The student's status changes only when a case completes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Case(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "待提交"
        OPEN = "open", "办理中"
        RETURNED = "returned", "退回修改"
        COMPLETED = "completed", "已办结"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"
        # R17.2: a draft without a legal deadline that was not submitted within the limit.
        LAPSED = "lapsed", "逾期未提交，已失效"

    OPEN_STATES = (State.DRAFT, State.OPEN, State.RETURNED)

    kind = models.CharField("类型", max_length=20)
    number = models.CharField("编号", max_length=20, unique=True)
    # Null for a student not (yet) in this deployment, e.g. one arriving from another province.
    student = models.ForeignKey(
        "students.Student",
        verbose_name="学生",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    facts = models.JSONField("申请事实", default=dict)
    # Whether the case changes the student's status (its kind says so): at most one such case is
    # open per student (R17.2); an information change (not exclusive) may run beside it.
    exclusive = models.BooleanField("变更学籍状态", default=True)
    # The parties: the school that started the case and, for moves, where the record comes from.
    school = models.ForeignKey(
        "org.School", verbose_name="发起学校", on_delete=models.PROTECT, related_name="+"
    )
    other_school = models.ForeignKey(
        "org.School",
        verbose_name="对方学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The current step and whose turn it is.
    step_key = models.CharField("当前环节", max_length=30, blank=True)
    owner_school = models.ForeignKey(
        "org.School",
        verbose_name="办理学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="办理部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    step_started_on = models.DateField("本环节开始", null=True, blank=True)
    step_due = models.DateField("本环节截止", null=True, blank=True)
    due_provisional = models.BooleanField("截止日期待定", default=False)
    is_overdue = models.BooleanField("已逾期", default=False)
    # The case as a whole (R10.7: the online phase within 10 working days of the district's
    # approval of the filing, restarting after a return), beside each step's own clock.
    case_started_on = models.DateField("整体计时开始", null=True, blank=True)
    case_due = models.DateField("整体办结期限", null=True, blank=True)
    case_overdue = models.BooleanField("整体已逾期", default=False)
    # R17.1: the same change made on the provincial platform, its reference and date.
    platform_ref = models.CharField("省平台办理编号", max_length=50, blank=True)
    platform_on = models.DateField("省平台办理日期", null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学籍变动"
        ordering = ["-created_at"]
        constraints = [
            # At most one open status-changing case per student, whatever its kind (R17.2): a
            # student in a transfer cannot be suspended at the same time, and two transfers cannot
            # race (R10.10). Information changes (exclusive=False) may run beside one.
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(state__in=["draft", "open", "returned"], exclusive=True),
                name="one_open_case_per_student",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_school", "state"], name="case_owner_school_idx"),
            models.Index(fields=["owner_jurisdiction", "state"], name="case_owner_jurisdiction_idx"),
            models.Index(fields=["state", "step_due"], name="case_due_idx"),
            models.Index(fields=["state", "case_due"], name="case_whole_due_idx"),
            # The case list, newest first: its first page is read off this index (bench/cases.py).
            models.Index(fields=["-created_at", "-id"], name="case_newest_idx"),
            # R17.1: completed changes not yet entered on the provincial platform, per school.
            models.Index(
                fields=["school", "closed_at"],
                condition=Q(state="completed", platform_ref=""),
                name="case_platform_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class CaseEvent(models.Model):
    """The case's timeline: every decision, with who, when, at which step and why."""

    class Action(models.TextChoices):
        START = "start", "发起"
        SUBMIT = "submit", "提交"
        APPROVE = "approve", "同意"
        REJECT = "reject", "不同意"
        RETURN = "return", "退回修改"
        WITHDRAW = "withdraw", "撤回"
        OVERDUE = "overdue", "逾期"
        CASE_OVERDUE = "late_case", "整体逾期"
        LAPSE = "lapse", "逾期失效"
        PLATFORM = "platform", "省平台已办理"
        EVIDENCE = "evidence", "上传材料"
        DETACH = "detach", "删除材料"
        COMPLETE = "complete", "办结"
        DECISION = "decision", "登记决定"
        SUPERSEDE = "supersede", "被取代终止"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    step_key = models.CharField("环节", max_length=30, blank=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    comment = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_action_display()}"


class CaseDocument(models.Model):
    """Evidence of a case (category (二) of the archive); a case may concern a student not yet here."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    category = models.CharField("材料类别", max_length=30)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True)
    step_key = models.CharField("环节", max_length=30, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "变动材料"
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

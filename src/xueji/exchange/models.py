"""Jobs of the spreadsheet exchange: an import (one uploaded workbook) or a large export."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", "新生学籍注册"
        EXISTING = "existing", "导入已有学籍"

    class State(models.TextChoices):
        QUEUED = "queued", "等待开始"
        RUNNING = "running", "正在导入"
        DONE = "done", "已导入"
        REFUSED = "refused", "有错误，未导入"
        FAILED = "failed", "无法导入"

    FINAL = (State.DONE, State.REFUSED, State.FAILED)

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, blank=True)
    valid_only = models.BooleanField("只导入正确的行", default=False)
    original_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    imported = models.PositiveIntegerField("已导入", default=0)
    present = models.PositiveIntegerField("已存在", default=0)
    invalid = models.PositiveIntegerField("有错误", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    has_report = models.BooleanField("有错误报告", default=False)
    # The first errors (row, column, reason; numbers masked), shown on the result page itself.
    first_errors = models.JSONField("前几项错误", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "-created_at"], name="importjob_school_idx")]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_state_display()}）"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL


class ExportJob(models.Model):
    """A student export too large to wait for in the request: written by a process of its own."""

    class State(models.TextChoices):
        QUEUED = "queued", "等待开始"
        RUNNING = "running", "正在导出"
        DONE = "done", "已完成"
        FAILED = "failed", "导出失败"

    FINAL = (State.DONE, State.FAILED)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField("范围", max_length=20, blank=True)  # export_jobs.scope_of(created_by)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进度", null=True, blank=True)  # a silent job has died
    layout = models.CharField("格式", max_length=10)
    # The search page's filters (exports.StudentFilters, the school by id), read again when it runs.
    filters = models.JSONField("条件", default=dict)
    summary = models.CharField("条件说明", max_length=300, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已写行数", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    # R21.1: False only for the job of a district-approved export request, whose number and
    # requester are the file's watermark.
    masked = models.BooleanField("脱敏", default=True, db_default=True)
    watermark = models.CharField("水印", max_length=200, blank=True, db_default="")

    class Meta:
        verbose_name = verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="exportjob_user_idx")]

    def __str__(self) -> str:
        return f"导出 #{self.pk}（{self.get_state_display()}）"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL


class ExportRequest(models.Model):
    """R21.1 (Art. 21): personal data provided unmasked to a party outside the school and the
    bureau, only with the district's written approval: what (layout and filter), how many rows,
    why, to whom; approved or refused with an opinion; then written once, watermarked with the
    request's number and requester, downloadable a few times within a few days, each time logged."""

    class State(models.TextChoices):
        PENDING = "pending", "待区教育局审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "未批准"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "org.School",
        verbose_name="申请单位（学校）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district_code = models.CharField("所属区", max_length=6, db_index=True)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    purpose = models.CharField("用途", max_length=300)
    recipient = models.CharField("接收单位", max_length=100)
    layout = models.CharField("格式", max_length=10)
    # The search page's filters (as ExportJob keeps them); the query is masked once decided.
    filters = models.JSONField("条件", default=dict)
    summary = models.CharField("条件说明", max_length=300, blank=True)
    rows = models.PositiveIntegerField("申请时行数")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.CharField("审批意见", max_length=300, blank=True)
    job = models.OneToOneField(
        ExportJob, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )
    downloads = models.PositiveSmallIntegerField("已下载次数", default=0)
    download_until = models.DateTimeField("可下载至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导出申请"
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="exportreq_user_idx"),
            models.Index(fields=["district_code", "state"], name="exportreq_district_idx"),
        ]

    def __str__(self) -> str:
        return f"导出申请 {self.number}（{self.get_state_display()}）"

    @property
    def number(self) -> str:
        """The request's number, on the approval sheet and in the file's watermark."""
        return f"DC{self.requested_at:%Y}{self.pk:05d}" if self.pk and self.requested_at else ""

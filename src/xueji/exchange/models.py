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

    class Meta:
        verbose_name = verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="exportjob_user_idx")]

    def __str__(self) -> str:
        return f"导出 #{self.pk}（{self.get_state_display()}）"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL

"""Audit events: one row per service call, written in the service's own transaction (R2.3, R21.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=50, db_index=True)
    subject_type = models.CharField("对象类型", max_length=50)
    subject_id = models.CharField("对象", max_length=40)
    # The unit the subject belongs to, so district auditors see only their own schools' events.
    school = models.ForeignKey(
        "org.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district_code = models.CharField(max_length=6, blank=True, db_index=True)
    changes = models.JSONField("变更（旧 → 新）", default=dict, blank=True)
    rules = models.JSONField("依据条款", default=list, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_type}#{self.subject_id}"


class AuditSeal(models.Model):
    """A sealed run of committed audit rows (ids ``first_id``–``last_id``): the SHA-256 of every row
    in it, chained to the seal before, so a row changed, removed or slipped in afterwards is found
    by ``audit.seal_services.seals_verify``. Written by ``xueji daily`` and on demand; never changed."""

    first_id = models.BigIntegerField("起始编号")
    last_id = models.BigIntegerField("截止编号", unique=True)
    rows = models.PositiveIntegerField("条数")
    rows_sha256 = models.CharField("各条摘要", max_length=64)
    previous_sha256 = models.CharField("上一封存摘要", max_length=64, blank=True)
    sha256 = models.CharField("封存摘要", max_length=64, unique=True)
    sealed_at = models.DateTimeField("封存时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志封存"
        ordering = ["last_id"]

    def __str__(self) -> str:
        return f"{self.first_id}–{self.last_id} {self.sha256[:12]}"

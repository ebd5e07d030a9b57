"""An archive record of categories (三)–(六) (R7.2): one row per record, its kind declared in
``archive.kinds``, its values in ``data`` as the declaration cleaned them. Never deleted: a record
entered by mistake is withdrawn (``removed``), with its history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from xueji.archive.kinds import KINDS, PAPER_KINDS


class ArchiveEntry(models.Model):
    student = models.ForeignKey(
        "students.Student", verbose_name="学生", on_delete=models.PROTECT, related_name="archive_entries"
    )
    school = models.ForeignKey(
        "org.School", verbose_name="录入学校", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=20, choices=[(k.key, k.label) for k in KINDS.values()])
    # The semester or school year (for ordering and the semester check), and the declared identity
    # (an import of the same record updates it).
    period = models.CharField("学年学期", max_length=30, blank=True)
    identity = models.CharField("识别", max_length=300)
    data = models.JSONField("内容")
    # The proof attached to this record, filed in the student's evidence (category 二).
    evidence = models.ForeignKey(
        "students.Evidence",
        verbose_name="佐证材料",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    removed = models.BooleanField("已撤销", default=False)
    removed_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "学籍档案记录"
        indexes = [
            models.Index(fields=["student", "kind"], name="archive_entry_student_idx"),
            models.Index(fields=["school", "kind", "period"], name="archive_entry_school_idx"),
        ]
        constraints = [
            # One live record per identity: the same semester's result twice is one record.
            models.UniqueConstraint(
                fields=["student", "kind", "identity"], condition=Q(removed=False), name="archive_entry_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.get_kind_display()} {self.period}"


class PaperItem(models.Model):
    """R7.3: a paper item of a student's archive that the school keeps, and where: cabinet, box,
    folder, and who keeps it. Moved items keep their history; an item no longer kept is marked."""

    student = models.ForeignKey(
        "students.Student", verbose_name="学生", on_delete=models.PROTECT, related_name="paper_items"
    )
    school = models.ForeignKey(
        "org.School", verbose_name="保管学校", on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(
        "纸质材料", max_length=20, choices=[(k.key, k.label) for k in PAPER_KINDS.values()]
    )
    cabinet = models.CharField("档案柜", max_length=30)
    box = models.CharField("档案盒", max_length=30, blank=True)
    folder = models.CharField("卷夹", max_length=30, blank=True)
    keeper = models.CharField("保管人", max_length=30)
    removed = models.BooleanField("已不在本校保管", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "纸质档案台账"
        indexes = [models.Index(fields=["school", "item"], name="paper_item_school_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school", "item"], condition=Q(removed=False), name="paper_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.get_item_display()}"

    @property
    def place(self) -> str:
        return "·".join(filter(None, [self.cabinet, self.box, self.folder]))


class ArchiveReceipt(models.Model):
    """R8.1: the receiving school confirms that the paper archive of a record handed over to it
    arrived — when, which items, who received it. A hand-over without one is pending; past the
    district's working days it is listed as late for both schools."""

    snapshot = models.OneToOneField(
        "students.ArchiveSnapshot", verbose_name="档案移交", on_delete=models.PROTECT, related_name="receipt"
    )
    received_on = models.DateField("接收日期")
    items = models.JSONField("接收的纸质材料")
    note = models.CharField("说明", max_length=200, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "纸质档案接收确认"

    def __str__(self) -> str:
        return f"{self.snapshot} 接收于 {self.received_on}"

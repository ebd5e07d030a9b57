"""The student record: the national form's fields, family members, enrollment, 学籍号 aliases.

Identity invariants live in the database (R6.2): one record per identity document, one 学籍号 per
record and never reused, one current enrollment per student.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from xueji.core import codes
from xueji.core.codes import choices


class Student(models.Model):
    # --- 学籍号 (R6.4) ---
    xjh = models.CharField("学籍号", max_length=19, unique=True)

    # --- 学生个人基础信息 (items 1–13) ---
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=choices(codes.GENDER))
    birth_date = models.DateField("出生日期")
    birthplace_code = models.CharField("出生地", max_length=12, blank=True, help_text="行政区划代码")
    native_place = models.CharField("籍贯", max_length=50, blank=True)
    ethnicity = models.CharField("民族", max_length=2, choices=choices(codes.ETHNICITY), blank=True)
    nationality = models.CharField(
        "国籍/地区", max_length=3, choices=choices(codes.NATIONALITY), default="CHN"
    )
    id_type = models.CharField("身份证件类型", max_length=1, choices=choices(codes.ID_TYPE))
    # Empty only for id_type Z (其他); unique per type when present (R6.2).
    id_number = models.CharField("身份证件号", max_length=30, blank=True)
    hk_mo_tw = models.CharField("港澳台侨外", max_length=2, choices=choices(codes.HK_MO_TW), default="00")
    political_status = models.CharField(
        "政治面貌", max_length=2, choices=choices(codes.POLITICAL_STATUS), default="13"
    )
    health = models.CharField("健康状况", max_length=2, choices=choices(codes.HEALTH), blank=True)

    # --- 学生个人辅助信息 (14–19) ---
    name_pinyin = models.CharField("姓名拼音", max_length=120, blank=True)
    # Lower-case pinyin initials of the name ("zsf" for 张三丰): registrars search by them.
    name_initials = models.CharField("拼音首字母", max_length=50, blank=True, editable=False)
    former_name = models.CharField("曾用名", max_length=50, blank=True)
    id_valid_until = models.DateField("身份证件有效期", null=True, blank=True)
    household_place_code = models.CharField("户口所在地", max_length=12, blank=True, help_text="行政区划代码")
    household_type = models.CharField(
        "户口性质", max_length=1, choices=choices(codes.HOUSEHOLD_TYPE), blank=True
    )
    specialty = models.CharField("特长", max_length=100, blank=True)

    # --- 学生个人联系信息 (28–34) ---
    current_address = models.CharField("现住址", max_length=200, blank=True)
    mailing_address = models.CharField("通信地址", max_length=200, blank=True)
    home_address = models.CharField("家庭地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    postal_code = models.CharField("邮政编码", max_length=6, blank=True)
    email = models.EmailField("电子信箱", blank=True)
    homepage = models.URLField("主页地址", blank=True)

    # --- 学生个人扩展信息 (35–45) and the special-status flags ---
    only_child = models.BooleanField("是否独生子女", null=True, blank=True)
    preschool = models.BooleanField("是否受过学前教育", null=True, blank=True)
    left_behind = models.CharField(
        "是否留守儿童", max_length=1, choices=choices(codes.LEFT_BEHIND), default="0"
    )
    migrant_child = models.BooleanField("是否进城务工人员随迁子女", default=False)
    orphan = models.BooleanField("是否孤儿", default=False)
    martyr_child = models.BooleanField("是否烈士或优抚子女", default=False)
    regular_class_disabled = models.CharField(
        "随班就读", max_length=1, choices=choices(codes.REGULAR_CLASS_DISABLED), default="0"
    )
    disability = models.CharField("残疾类型", max_length=1, choices=choices(codes.DISABILITY), default="0")
    government_paid_seat = models.BooleanField("是否由政府购买学位", default=False)
    needs_aid = models.BooleanField("是否需要申请资助", default=False)
    one_subsidy = models.BooleanField("是否享受一补", default=False)

    # --- 上下学交通方式 (46–48) ---
    commute_km = models.DecimalField(
        "上下学距离（公里）", max_digits=5, decimal_places=1, null=True, blank=True
    )
    commute_mode = models.CharField(
        "上下学交通方式", max_length=1, choices=choices(codes.COMMUTE_MODE), blank=True
    )
    school_bus = models.BooleanField("是否需要乘坐校车", default=False)

    # --- bookkeeping ---
    # R5.1, kept by the services (students.completeness): the national form's fields alone, and
    # those with the entry evidence the district requires — the record's completeness.
    form_complete = models.BooleanField("学籍表必填项齐全", default=False)
    is_complete = models.BooleanField("档案完整", default=False)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "name_initials", "form_complete"])

    class Meta:
        verbose_name = verbose_name_plural = "学生"
        constraints = [
            # R6.2: one record per identity document in the whole deployment.
            models.UniqueConstraint(
                fields=["id_type", "id_number"], condition=~Q(id_number=""), name="student_unique_id_document"
            ),
            models.CheckConstraint(
                condition=~Q(id_number="") | Q(id_type="Z"), name="student_id_number_required"
            ),
        ]
        # Search matches exactly or by prefix (张 → 张三, zs → zsf, 410503… → the number). On
        # PostgreSQL a prefix LIKE uses an index only with the pattern operator class, which also
        # serves equality; other databases ignore opclasses. Name and initials searches list their
        # matches in the order of these indexes (text, then id: see selectors.enrollment_search), so
        # the first page is read from the index without fetching every match.
        indexes = [
            models.Index(
                fields=["id_number"], name="student_id_number_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["name", "id"],
                name="student_name_order_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["name_initials", "id"],
                name="student_initials_order_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # A name search also matches the former name (曾用名) exactly; without an index that OR
            # reads the whole table. Few records have one, so only those are indexed.
            models.Index(
                fields=["former_name"], name="student_former_name_idx", condition=~Q(former_name="")
            ),
            # R5.1's overdue lists (the officer's per-school counts on the home page) join the
            # district's enrollments to its few incomplete records: 2 s → 0.7 s over 1 M (bench/).
            models.Index(fields=["id"], name="student_incomplete_idx", condition=Q(is_complete=False)),
        ]

    def __str__(self) -> str:
        return self.name


class XjhAlias(models.Model):
    """Every 学籍号 a student has ever had (R6.4): never reused, old ones stay searchable."""

    number = models.CharField("学籍号", max_length=19, unique=True)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="xjh_aliases")
    is_current = models.BooleanField(default=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "学籍号记录"

    def __str__(self) -> str:
        return self.number


class FamilyMember(models.Model):
    """家庭成员或监护人信息一/二 (items 49–72)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="family")
    position = models.PositiveSmallIntegerField("序号", choices=[(1, "成员一"), (2, "成员二")])
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("关系", max_length=1, choices=choices(codes.FAMILY_RELATION))
    relation_note = models.CharField("关系说明", max_length=50, blank=True)
    ethnicity = models.CharField("民族", max_length=2, choices=choices(codes.ETHNICITY), blank=True)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    address = models.CharField("现住址", max_length=200, blank=True)
    household_place_code = models.CharField("户口所在地", max_length=12, blank=True)
    phone = models.CharField("联系电话", max_length=20)
    is_guardian = models.BooleanField("是否监护人")
    id_type = models.CharField("身份证件类型", max_length=1, choices=choices(codes.ID_TYPE), blank=True)
    id_number = models.CharField("身份证件号", max_length=30, blank=True)
    job_title = models.CharField("职务", max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "家庭成员或监护人"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["student", "position"], name="family_member_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


class Enrollment(models.Model):
    """Where the student studies (R4.1): the school holds the record; one current row per student."""

    class Status(models.TextChoices):
        # 学生当前状态 (JY/T 1001 XSDQZT codes); status changes only when a case completes, through
        # students.status and its one table of allowed transitions (rules.STATUS_TRANSITIONS).
        # 13 is the standard's 公派出国; the national system's "出国" status stands for any study
        # abroad or outside the mainland (R12.7, decision 0020).
        ENROLLED = "01", "在读"
        SUSPENDED = "02", "休学"
        DROPPED_OUT = "06", "辍学"
        GRADUATED = "07", "毕业"
        # R13.2: a dropout's record kept through the compulsory term, closed when it ends (0034).
        INCOMPLETE = "09", "肄业"
        TRANSFERRED_OUT = "10", "转出"
        DECEASED = "11", "死亡"
        ABROAD = "13", "出国（境）"
        MISSING = "15", "下落不明"

    class Origin(models.TextChoices):
        NEW = "new", "新生注册"
        IMPORTED = "imported", "从国家学籍系统导入"
        TRANSFER = "transfer", "转入"
        PROGRESSION = "continuing", "升学"  # a primary graduate at a junior-high school (R6.5)

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrollments")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="enrollments")
    school_class = models.ForeignKey(
        "org.SchoolClass",
        verbose_name="班级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    grade = models.PositiveSmallIntegerField("年级")
    class_seat_number = models.CharField("班内学号", max_length=10, blank=True)
    entry_date = models.DateField("入学日期")
    entry_mode = models.CharField("入学方式", max_length=2, choices=choices(codes.ENTRY_MODE))
    attendance_mode = models.CharField("就读方式", max_length=1, choices=choices(codes.ATTENDANCE_MODE))
    source = models.CharField("学生来源", max_length=1, choices=choices(codes.STUDENT_SOURCE), default="1")
    aux_number = models.CharField("学籍辅号", max_length=30, blank=True)
    origin = models.CharField("建籍方式", max_length=10, choices=Origin.choices)
    status = models.CharField("学籍状态", max_length=2, choices=Status.choices, default=Status.ENROLLED)
    # The student's gender, copied when the enrollment is made, so the district's statistics count
    # enrollments by gender from this table alone (a join to a million students took 1.6 s). Kept
    # equal to Student.gender: whatever changes a student's gender (the R9.1 information-change
    # procedure) changes the current enrollment's too; a test checks every writer.
    gender = models.CharField("性别", max_length=1, choices=choices(codes.GENDER), blank=True, editable=False)
    is_current = models.BooleanField("当前", default=True)
    # 待分班: a student who arrived (transfer, R10.10) or came back (resumption, R12.5) and still
    # needs a class; set by the status writer, cleared when the registrar places the student.
    placement_due = models.BooleanField("待分班", default=False)
    # R14.1: a repeat year the district approved on the guardian's application: the next promotion
    # keeps the student in this grade (and clears the mark).
    repeats = models.BooleanField("下一学年留级（已批准）", default=False)
    record_due = models.DateField("档案应完成日期")  # R5.1: entry date + 1 month
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "在籍信息"
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(is_current=True), name="one_current_enrollment"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "is_current", "grade"], name="enrollment_school_grade_idx"),
            models.Index(fields=["is_current", "record_due"], name="enrollment_due_idx"),
            models.Index(
                fields=["school"], condition=Q(placement_due=True), name="enrollment_placement_due_idx"
            ),
            # The statistics read only this index (PostgreSQL; elsewhere a plain index on school).
            models.Index(
                fields=["school"],
                include=["grade", "status", "gender"],
                condition=Q(is_current=True),
                name="enrollment_stats_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} @ {self.school}"

    @property
    def placement(self) -> str:
        """年级班级 as registrars say it: "三年级（2）班", or "三年级（未分班）"."""
        if self.school_class is not None:
            return self.school_class.name
        return f"{codes.GRADE_NAMES.get(self.grade, self.grade)}（未分班）"


class StatusPeriod(models.Model):
    """A status that runs for a time (休学 from … to …, R12.4; 出国（境） from …, R12.7).

    The period opens when a case completes and closes when the student's status changes again
    (resumption, return, dropout, death). Its planned end (``ends_on``) passing changes nothing by
    itself (R12.4: the student stays 休学, 期满未复学); the daily command and the lists of what is
    coming due read it. An extension ends one period and opens the next, so the history of every
    period stays (R12.4: more than 2 years in total is flagged).
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="status_periods")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="status_periods")
    status = models.CharField("状态", max_length=2, choices=Enrollment.Status.choices)
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("期满日期", null=True, blank=True)  # inclusive; None: open-ended
    closed_on = models.DateField("结束日期", null=True, blank=True)
    # The case that opened it (its number): students sit below changes, so no foreign key.
    reference = models.CharField("依据", max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "状态期间"
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(closed_on__isnull=True), name="one_running_status_period"
            ),
        ]
        indexes = [
            # What is coming due and what has expired: running periods by their planned end.
            models.Index(
                fields=["status", "ends_on"], condition=Q(closed_on__isnull=True), name="period_running_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.starts_on}–{self.ends_on or ''}"


class StatusPeriodEvent(models.Model):
    """A threshold a running period crossed (R12.4, R12.6): 30 days before its end, its end, and
    each escalation after it. Written once each by the daily command, which catches up a missed
    day and writes nothing twice."""

    period = models.ForeignKey(StatusPeriod, on_delete=models.PROTECT, related_name="events")
    threshold = models.CharField("节点", max_length=12)  # soon | ended | after_30 | after_60 …
    due_on = models.DateField("节点日期")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "期间提醒"
        constraints = [
            models.UniqueConstraint(fields=["period", "threshold"], name="period_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.threshold}"

    @property
    def label(self) -> str:
        if self.threshold == "soon":
            return "即将期满"
        if self.threshold == "ended":
            return "已期满"
        return f"期满后 {self.threshold.removeprefix('after_')} 天仍未办理"


class FollowUp(models.Model):
    """A student's follow-up log (R12.6, R13.2, R13.3): urgings, contacts and referrals, recorded
    with or without an open case; it blocks nothing."""

    class Kind(models.TextChoices):
        URGE = "urge", "督促"
        PERSUADE = "persuade", "劝返"  # R13.2: an effort to bring a dropped-out student back
        CONTACT = "contact", "联系"
        REFERRAL = "referral", "移交乡镇（街道）"
        HOUSEHOLD_PLACE = "household_place", "联系户籍地教育部门"

    class Way(models.TextChoices):
        PHONE = "phone", "电话"
        VISIT = "visit", "上门家访"
        MEETING = "meeting", "到校面谈"
        LETTER = "letter", "书面通知"
        OTHER = "other", "其他"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="follow_ups")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    on = models.DateField("日期")
    who = models.CharField("经办人", max_length=50)
    way = models.CharField("方式", max_length=10, choices=Way.choices)
    result = models.CharField("结果", max_length=300)
    # Which status the follow-up concerns (a suspension that ran out, a dropout), for the lists.
    concerns = models.CharField("针对状态", max_length=2, choices=Enrollment.Status.choices, blank=True)
    evidence = models.ForeignKey(
        "Evidence", verbose_name="佐证材料", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "跟进记录"
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["student", "on"], name="follow_up_student_idx")]

    def __str__(self) -> str:
        return f"{self.student} {self.get_kind_display()} {self.on}"


class EntryApplication(models.Model):
    """R3.3: deferral (推迟入学) or entry after a deferral (入学申请), decided by the district."""

    class Kind(models.TextChoices):
        DEFERRAL = "deferral", "推迟入学申请"
        LATE_ENTRY = "late_entry", "入学申请（上一年度未入学）"

    class State(models.TextChoices):
        PENDING = "pending", "待区教育局审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"

    kind = models.CharField("申请类型", max_length=10, choices=Kind.choices)
    school = models.ForeignKey("org.School", verbose_name="申请学校", on_delete=models.PROTECT)
    child_name = models.CharField("儿童姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, db_index=True)
    birth_date = models.DateField("出生日期")
    entry_year = models.PositiveSmallIntegerField("申请入学年份", help_text="推迟至或申请入学的秋季学年")
    reason = models.TextField("理由")
    guardian_name = models.CharField("监护人", max_length=50)
    guardian_phone = models.CharField("监护人电话", max_length=20)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "推迟入学/入学申请"
        ordering = ["-submitted_at"]
        constraints = [
            # R3.3: one pending application per child, also when two are submitted at once.
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(state="pending"), name="entry_application_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.child_name}"


class Evidence(models.Model):
    """A scanned proof (佐证材料) attached to a student; the file lives outside the web root (R6.1)."""

    class Category(models.TextChoices):
        HOUSEHOLD = "household", "户口簿/户籍证明"
        ID_CARD = "id_card", "身份证件"
        BIRTH = "birth", "出生医学证明"
        RESIDENCE = "residence", "居住证明"
        GUARDIAN_WORK = "guardian_work", "监护人务工证明"
        MEDICAL = "medical", "医院证明"
        APPLICATION = "application", "申请书"
        # Filed from a completed status-change case (R17.1); ``description`` names the case.
        CASE = "case", "学籍变动材料"
        # The proof of an archive record of categories (三)–(六): a certificate, a test sheet.
        ARCHIVE = "archive", "档案记录证明"
        OTHER = "other", "其他"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="evidence")
    category = models.CharField("材料类别", max_length=20, choices=Category.choices)
    description = models.CharField("说明", max_length=200, blank=True)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64, db_index=True)
    # A file filed from a case shares the case document's stored file (same content, same name).
    storage_name = models.CharField(max_length=100)
    # The case it came from (its number), for a document filed from a completed case.
    reference = models.CharField("来源", max_length=30, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "佐证材料"
        constraints = [
            # A file uploaded to the student is its own; a case's file may be filed once per case.
            models.UniqueConstraint(fields=["storage_name", "reference"], name="evidence_file_once"),
        ]
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Promotion(models.Model):
    """R14.2: a school's promotion at the end of a school year — submitted by its registrar with
    the preview's counts, confirmed (and so run) or sent back by its approver. At most one per
    school and year is submitted or done; one that is done is never run again."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待学校审核人确认"
        RETURNED = "returned", "已退回"
        DONE = "done", "已升级"

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    # The school year that ended: its students move into the next one's classes.
    school_year = models.ForeignKey(
        "org.SchoolYear", verbose_name="学年", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.SUBMITTED)
    # What the preview showed when submitted, and what the run did: {"moved": n, "graduated": n, …}.
    planned = models.JSONField("提交时预览", default=dict)
    result = models.JSONField("升级结果", default=dict)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    comment = models.CharField("审核意见", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学年升级"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"],
                condition=Q(state__in=["submitted", "done"]),
                name="promotion_once_per_school_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.school_year} {self.get_state_display()}"


class Progression(models.Model):
    """R6.5, R8.1 (升学): a primary school's graduate enrolled at a junior-high school of this
    deployment, keeping the record and its 学籍号 — or gone on outside it. The graduated enrollment
    closes at the primary school, which keeps this read-only, checksummed snapshot of the record as
    it left (``archive``)."""

    student = models.ForeignKey(Student, verbose_name="学生", on_delete=models.PROTECT, related_name="+")
    from_school = models.ForeignKey(
        "org.School", verbose_name="毕业学校", on_delete=models.PROTECT, related_name="+"
    )
    # None: the graduate went on outside this deployment (another district or province, a school
    # on another platform); ``to_party`` names where. The primary school, where the schooling
    # recorded here ended, keeps the archive permanently (R8.1).
    to_school = models.ForeignKey(
        "org.School",
        verbose_name="升入学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_party = models.CharField("升入本系统外学校", max_length=100, blank=True)
    graduated = models.OneToOneField(
        Enrollment, verbose_name="毕业学籍", on_delete=models.PROTECT, related_name="progression"
    )
    # The archive as it left the primary school, which keeps it read-only (R8.1).
    archive = models.OneToOneField(
        "ArchiveSnapshot", verbose_name="档案备份", on_delete=models.PROTECT, related_name="progression"
    )
    # 学校办理 or the district's assignment list (its import job).
    source = models.CharField("办理方式", max_length=50)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("办理时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "升学记录"
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["to_school", "-recorded_at"], name="progression_to_idx"),
            models.Index(fields=["from_school", "-recorded_at"], name="progression_from_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.from_school} → {self.destination}"

    @property
    def destination(self) -> str:
        return self.to_school.name if self.to_school is not None else f"{self.to_party}（本系统外）"


class _Frozen(models.QuerySet["ArchiveSnapshot"]):
    """A snapshot is written once: no bulk update or delete."""

    def update(self, **kwargs: object) -> int:
        raise PermissionError("学籍档案备份只读，不能修改（第八条）。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("学籍档案备份只读，不能删除（第八条）。")


class ArchiveSnapshot(models.Model):
    """R8.1: the frozen, read-only copy of a student's archive that a school keeps when the record
    leaves it (a transfer, 升学) or ends there (kept permanently): every category as it was, the
    change history, and a manifest of every document (its SHA-256; the file itself stays in the
    evidence store, shared, never copied). ``sha256`` is the digest of ``content``; verifying
    recomputes it and every file's, so a changed byte anywhere is found. Written once, never
    changed or deleted (the model and its queryset refuse)."""

    class Kind(models.TextChoices):
        HANDOVER = "handover", "移交时备份"  # the record moved to another school, here or outside
        KEPT = "kept", "永久保存"  # the schooling recorded here ended at this school
        LEGACY = "legacy", "早期备份（部分内容）"  # taken before the full snapshot: record and family only

    student = models.ForeignKey(
        Student, verbose_name="学生", on_delete=models.PROTECT, related_name="archives"
    )
    school = models.ForeignKey(
        "org.School", verbose_name="保存学校", on_delete=models.PROTECT, related_name="+"
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name="离校时的学籍",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_school = models.ForeignKey(
        "org.School",
        verbose_name="转入学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_party = models.CharField("去向（本系统外）", max_length=100, blank=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    reference = models.CharField("事项", max_length=50, blank=True)  # the case number or the 升学 source
    taken_on = models.DateField("备份日期")
    taken_at = models.DateTimeField("写入时间", auto_now_add=True)
    content = models.JSONField("档案内容")
    sha256 = models.CharField("校验码（SHA-256）", max_length=64)

    objects = _Frozen.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "学籍档案备份"
        ordering = ["-taken_on", "-pk"]
        indexes = [
            models.Index(fields=["school", "-taken_on"], name="archive_school_idx"),
            models.Index(fields=["reference"], name="archive_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.get_kind_display()} {self.taken_on}"

    @property
    def sends_package(self) -> bool:
        """Handed over to a school outside this deployment: the school sends it the package."""
        return self.kind == self.Kind.HANDOVER and self.to_school_id is None and bool(self.to_party)

    @property
    def destination(self) -> str:
        if self.to_school_id is not None:
            return self.to_school.name  # type: ignore[union-attr]
        return f"{self.to_party}（本系统外）" if self.to_party else "本校永久保存"


@receiver(pre_save, sender=ArchiveSnapshot)
def _snapshot_written_once(
    sender: type[ArchiveSnapshot], instance: ArchiveSnapshot, **kwargs: object
) -> None:
    """R8.1: a snapshot is saved once, when it is made; saving it again is refused."""
    if not instance._state.adding:
        raise PermissionError("学籍档案备份只读，不能修改（第八条）。")


@receiver(pre_delete, sender=ArchiveSnapshot)
def _snapshot_kept(sender: type[ArchiveSnapshot], instance: ArchiveSnapshot, **kwargs: object) -> None:
    raise PermissionError("学籍档案备份只读，不能删除（第八条）。")


class PossibleDuplicate(models.Model):
    """R6.2: a student registered without an ID number whose name, birth date and gender (and
    guardian, where given) match a record already here; the registrar confirmed, with a reason,
    that it is another child. Listed for the district, which may look into it."""

    student = models.ForeignKey(Student, verbose_name="新建学籍", on_delete=models.PROTECT, related_name="+")
    matched = models.ForeignKey(
        Student, verbose_name="相同信息的学籍", on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "org.School", verbose_name="登记学校", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("确认理由", max_length=300)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "疑似重复学籍确认"
        ordering = ["-confirmed_at", "-pk"]
        indexes = [models.Index(fields=["school", "-confirmed_at"], name="possibledup_school_idx")]

    def __str__(self) -> str:
        return f"{self.student} / {self.matched}"

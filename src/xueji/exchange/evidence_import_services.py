"""R5.1: a class's proofs in one upload — a ZIP of scans, each named by its student's 学籍号 or ID
number (``<学籍号>.pdf``, ``<身份证件号>-户口簿.jpg``). Every file is matched to
a student of the school and checked as a single upload is before anything is stored; one file that
cannot be matched or is not a scan, and nothing is attached (all or nothing), with the reasons
listed by file name."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.db.models import Q

from xueji.core.errors import RuleViolation, RuleViolations
from xueji.org.models import Role, School, User
from xueji.org.permissions import require_role
from xueji.students import services as student_services
from xueji.students.models import Enrollment, Evidence, Student, XjhAlias

WRITE = (Role.REGISTRAR,)
MAX_FILES = 2000
# What one upload may unpack to, checked from the ZIP's own directory before anything is read.
MAX_TOTAL_BYTES = 500 * 1024 * 1024
# The name's first part is the number: up to the first space, 「-」, 「_」, bracket or dot.
_NUMBER = re.compile(r"^([0-9A-Za-z]+)")
_BAD_ZIP = "请上传 ZIP 压缩包（把扫描件放进一个文件夹，右键“压缩”即可）。"


@dataclass
class EvidenceImport:
    files: int = 0
    attached: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


def _name_of(info: zipfile.ZipInfo) -> str:
    """The member's own name, as the registrar wrote it: Windows' built-in 压缩 stores Chinese
    names in GBK without saying so, which Python reads as CP437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return PurePosixPath(name.replace("\\", "/")).name


def _members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """The scans in the archive: not folders, nor the hidden files a Mac or Windows adds."""
    found = []
    for info in archive.infolist():
        name = _name_of(info)
        if info.is_dir() or not name or name.startswith(".") or "__MACOSX" in info.filename:
            continue
        if name.lower() in ("thumbs.db", "desktop.ini"):
            continue
        found.append((info, name))
    return found


def _students_by_number(school: School, numbers: set[str]) -> dict[str, Student]:
    """The school's own students whose 学籍号 (any they held) or ID number is one of ``numbers``."""
    here = Enrollment.objects.filter(school=school, is_current=True).values("student_id")
    found: dict[str, Student] = {}
    for alias in XjhAlias.objects.filter(number__in=numbers, student_id__in=here).select_related("student"):
        found[alias.number] = alias.student
    for student in Student.objects.filter(Q(id_number__in=numbers), pk__in=here):
        found.setdefault(student.id_number, student)
    return found


def evidence_import(
    *, actor: User, school: School, upload: IO[bytes], category: str, description: str = ""
) -> EvidenceImport:
    require_role(actor, WRITE, school=school)
    if category not in Evidence.Category.values or category in (
        Evidence.Category.CASE,
        Evidence.Category.ARCHIVE,
    ):
        raise RuleViolation(rule="R6.1", code="bad_code", field="category", message="请选择材料类别。")
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RuleViolation(rule="R6.1", code="bad_zip", field="file", message=_BAD_ZIP) from None
    with archive:
        members = _members(archive)
        result = EvidenceImport(files=len(members))
        if not members:
            raise RuleViolation(rule="R6.1", code="empty_zip", field="file", message="压缩包里没有文件。")
        if len(members) > MAX_FILES:
            raise RuleViolation(
                rule="R6.1",
                code="too_many",
                field="file",
                message=f"一个压缩包最多 {MAX_FILES} 个文件，请按班级分开上传。",
            )
        if sum(info.file_size for info, _name in members) > MAX_TOTAL_BYTES:
            raise RuleViolation(
                rule="R6.1",
                code="too_large",
                field="file",
                message=f"压缩包解压后超过 {MAX_TOTAL_BYTES // (1024 * 1024)} MB，请按班级分开上传。",
            )
        limit = int(settings.XUEJI["EVIDENCE_MAX_BYTES"])
        keys = {}
        for info, name in members:
            match = _NUMBER.match(name)
            keys[info.filename] = match.group(1).upper() if match else ""
        students = _students_by_number(school, {k for k in keys.values() if k})
        uploads: list[student_services.Upload] = []
        seen: dict[int, str] = {}
        for info, name in members:
            student = students.get(keys[info.filename])
            if student is None:
                result.problems.append(
                    f"「{name}」：文件名开头应为本校在籍学生的学籍号或身份证件号，没有找到“{keys[info.filename] or name}”。"
                )
                continue
            if student.pk in seen:
                result.problems.append(
                    f"「{name}」：与「{seen[student.pk]}」是同一名学生（{student.name}），请只留一份或合并成一个文件。"
                )
                continue
            seen[student.pk] = name
            if info.file_size > limit:  # read no further than the limit: a ZIP can claim anything
                result.problems.append(
                    f"「{name}」：文件超过 {limit // (1024 * 1024)} MB，请压缩或分页扫描后再上传。"
                )
                continue
            with archive.open(info) as member:
                data = member.read(limit + 1)
            uploads.append(student_services.Upload(student, name, data))
    if result.problems:
        return result
    try:
        made = student_services.evidence_attach_many(
            actor=actor, school=school, category=category, files=uploads, description=description
        )
    except RuleViolations as refused:
        result.problems = [v.message for v in refused.violations]
        return result
    result.attached = len(made)
    return result

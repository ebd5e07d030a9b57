"""Writes of the working-day calendar (RULES.md Calendar; the calendar serves R10.7, R12, R13, R15).

Who may write (decision 0009): a district admin for their own jurisdiction and the units under it
(a local closure or working day); the deployment-wide schedule (a State Council year the installed
``chinesecalendar`` does not know yet) only an admin whose jurisdiction contains the deployment's
home district (``settings.XUEJI["HOME_DISTRICT_CODE"]``), or a superuser. Permission refusals are
``PermissionDenied`` (403), as for every other master-data write; refused content is a
``RuleViolation`` with rule R10.7 and a Chinese message naming the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.core.models import (
    NOTE_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
    YEAR_MAX,
    YEAR_MIN,
    CalendarOverride,
    CalendarYear,
)
from xueji.org.models import Jurisdiction, Role

# Sent inside the writing transaction when working days change, so deadlines already counted over
# those days (e.g. provisional ones of a year just loaded) are counted again in the same commit.
calendar_changed = Signal()

RULE = "R10.7"
CSV_MAX_BYTES = 512 * 1024  # a year's schedule is a few dozen lines

MSG_INACTIVE = "账号不可用，不能维护工作日日历。"
MSG_NOT_ADMIN = "只有区系统管理员可以维护工作日日历（法定节假日、调休上班和本地停课安排）。"
MSG_OUT_OF_SCOPE = "{name}不在您的管辖范围内，不能设置其放假或上班安排；请联系该地区的系统管理员。"
MSG_DEPLOYMENT_WIDE = (
    "全系统适用的节假日安排（如国务院公布的新年度安排）只能由{home}的区系统管理员或超级管理员录入；"
    "如只是本地放假或上班，请在“适用范围”中选择本区。"
)
MSG_BAD_DATE = "日期“{value}”无效：请按 YYYY-MM-DD 填写，如 2027-01-01。"
MSG_BAD_KIND = "类型“{value}”无法识别：请填写 放假（holiday）或 上班（workday）。"
MSG_BAD_WEEKDAY = "星期“{value}”无法识别：可留空，或填写 Mon–Sun、周一至周日。"
MSG_WEEKDAY_MISMATCH = "{day} 是{actual}，与所填“{value}”不符：请核对日期。"
MSG_NOTE_TOO_LONG = f"说明不能超过{NOTE_MAX_LENGTH}个字。"
MSG_SOURCE_TOO_LONG = f"依据不能超过{SOURCE_MAX_LENGTH}个字。"
MSG_BAD_YEAR = f"年份“{{value}}”无效：应为 {YEAR_MIN} 至 {YEAR_MAX} 之间的四位年份。"
MSG_OTHER_YEAR = "日期 {day} 不在 {year} 年内：一次只能载入一个年度的安排，请分年载入。"
MSG_DUPLICATE = "日期 {day} 重复（已见于{first}）：每天只能有一条安排。"
MSG_ROW_SHAPE = "格式不对：每条应包含日期、类型和说明（可空）。"
MSG_NO_ROWS = "没有任何日期：请提供该年度全部放假日期和调休上班日期。"
MSG_CSV_HEADER = (
    "表头应包含 date（日期）和 kind（类型）两列，可加 note（说明），例如：date,kind,note；"
    "也可直接使用 date,weekday,kind,holiday 格式（如区里下发的 holidays_2026.csv）。"
)
MSG_CSV_ENCODING = "无法识别文件编码：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后重新上传。"
MSG_CSV_TOO_LARGE = (
    f"文件过大（超过 {CSV_MAX_BYTES // 1024} KB）：一年的安排只有几十行，请检查是否选错了文件。"
)
MSG_CSV_BROKEN = "文件无法按 CSV 读取（{error}）：请确认是逗号分隔的文本文件。"
MSG_CSV_NUL = "第{line}行：含有空字符，不是 CSV 文本文件：请确认选择了正确的文件。"
MSG_NUL = "{label}含有不允许的空字符。"
MSG_CONFLICT = "其他管理员正在修改同一天或同一年度的安排，请刷新后查看结果再操作。"

# What people write for the two kinds: our own values, the Chinese words of the State Council's
# notices and of Excel sheets people keep, and the kinds of the shared holidays_2026.csv.
HOLIDAY_WORDS = frozenset(
    {
        "holiday",
        "holiday (in lieu)",
        "in lieu",
        "rest",
        "off",
        "放假",
        "休息",
        "节假日",
        "假日",
        "休假",
        "调休放假",
    }
)
WORKDAY_WORDS = frozenset(
    {"workday", "working day", "work", "adjusted workday", "上班", "调休上班", "工作日", "补班"}
)
WEEKDAY_WORDS = {
    **{name: i for i, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])},
    **{
        name: i
        for i, name in enumerate(
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        )
    },
    **{f"{prefix}{ch}": i for prefix in ("周", "星期", "") for i, ch in enumerate("一二三四五六日")},
    "周天": 6,
    "星期天": 6,
}
WEEKDAY_NAMES = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
COLUMNS = {
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "type": "kind",
    "类型": "kind",
    "类别": "kind",
    "note": "note",
    "说明": "note",
    "备注": "note",
    "holiday": "name",
    "name": "name",
    "名称": "name",
    "节日": "name",
    "节假日": "name",
    "weekday": "weekday",
    "星期": "weekday",
}
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class CalendarRow(NamedTuple):
    """One day of a schedule: a date, ``holiday`` or ``workday``, a note; ``line`` of its CSV file."""

    day: dt.date
    kind: str
    note: str = ""
    line: int | None = None


# ---------------------------------------------------------------------- small parsers


def parse_kind(value: Any) -> str | None:
    """``holiday`` / ``workday`` from any accepted spelling (放假, 上班, adjusted WORKDAY, …), else None."""
    text = " ".join(str(value or "").replace("_", " ").split()).lower()
    if text in HOLIDAY_WORDS:
        return CalendarOverride.Kind.HOLIDAY.value
    if text in WORKDAY_WORDS:
        return CalendarOverride.Kind.WORKDAY.value
    return None


def parse_day(value: Any) -> dt.date | None:
    """A date from a ``date`` or from 2027-01-01, 2027/1/1, 2027.1.1 or 2027年1月1日; else None."""
    if isinstance(value, dt.datetime):
        return None  # a moment is not a day: refuse rather than guess its time zone
    if isinstance(value, dt.date):
        return value
    match = DATE_RE.match(str(value or "").strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _parse_year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = 0
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise RuleViolation(
            rule=RULE, code="bad_year", field="year", message=MSG_BAD_YEAR.format(value=value)
        )
    return year


# ---------------------------------------------------------------------- who may write


def calendar_write_refusal(actor: Any, jurisdiction: Jurisdiction | None) -> str | None:
    """Why ``actor`` may not write the calendar of ``jurisdiction`` (None: deployment-wide), or None."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return MSG_INACTIVE
    if actor.is_superuser:
        return None
    if actor.role != Role.DISTRICT_ADMIN or not actor.jurisdiction_id:
        return MSG_NOT_ADMIN
    prefix = actor.jurisdiction.scope_prefix
    if jurisdiction is None:
        home_code = settings.XUEJI["HOME_DISTRICT_CODE"]
        if home_code.startswith(prefix):
            return None
        home = Jurisdiction.objects.filter(code=home_code).first()
        return MSG_DEPLOYMENT_WIDE.format(home=home.name if home else f"行政区划代码为 {home_code} 的区县")
    if not jurisdiction.code.startswith(prefix):
        return MSG_OUT_OF_SCOPE.format(name=jurisdiction.name)
    return None


def calendar_may_write(actor: Any, jurisdiction: Jurisdiction | None) -> bool:
    return calendar_write_refusal(actor, jurisdiction) is None


def _require_writer(actor: Any, jurisdiction: Jurisdiction | None) -> None:
    if message := calendar_write_refusal(actor, jurisdiction):
        raise PermissionDenied(message)


def _scope_label(jurisdiction: Jurisdiction | None) -> str:
    return f"{jurisdiction.name}（{jurisdiction.code}）" if jurisdiction else "全系统"


# ---------------------------------------------------------------------- one day


@transaction.atomic
def calendar_day_set(
    *, actor: Any, day: Any, kind: str, note: str = "", jurisdiction: Jurisdiction | None = None
) -> CalendarOverride:
    """Make ``day`` a rest day or a working day for ``jurisdiction`` (None: the whole deployment).

    Creates the override or changes the one that exists; does not mark the year as entered (only a
    whole year's load does, calendar_year_load).
    """
    _require_writer(actor, jurisdiction)
    errors = []
    parsed_day = parse_day(day)
    if parsed_day is None:
        errors.append(
            RuleViolation(rule=RULE, code="bad_date", field="day", message=MSG_BAD_DATE.format(value=day))
        )
    elif not YEAR_MIN <= parsed_day.year <= YEAR_MAX:
        errors.append(
            RuleViolation(
                rule=RULE, code="bad_year", field="day", message=MSG_BAD_YEAR.format(value=parsed_day.year)
            )
        )
    parsed_kind = parse_kind(kind)
    if parsed_kind is None:
        errors.append(
            RuleViolation(rule=RULE, code="bad_kind", field="kind", message=MSG_BAD_KIND.format(value=kind))
        )
    note = str(note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors.append(RuleViolation(rule=RULE, code="too_long", field="note", message=MSG_NOTE_TOO_LONG))
    if "\x00" in note:
        errors.append(
            RuleViolation(rule=RULE, code="bad_text", field="note", message=MSG_NUL.format(label="说明"))
        )
    if errors:
        raise RuleViolations(errors)
    assert parsed_day is not None and parsed_kind is not None  # refused above otherwise

    override = (
        CalendarOverride.objects.select_for_update()
        .filter(day=parsed_day, jurisdiction=jurisdiction)
        .order_by("pk")  # not Meta.ordering: its outer join to the jurisdiction cannot be locked
        .first()
    )
    before = {"kind": override.kind, "note": override.note} if override else {}
    if override is None:
        override = CalendarOverride(day=parsed_day, jurisdiction=jurisdiction)
    override.kind, override.note, override.updated_by = parsed_kind, note, actor
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert of the same day is a conflict
            override.save()
    except IntegrityError as exc:
        raise Conflict(rule=RULE, code="conflict", field="day", message=MSG_CONFLICT) from exc
    audit_record(
        actor=actor,
        action=actions.CALENDAR_OVERRIDE_UPDATE if before else actions.CALENDAR_OVERRIDE_CREATE,
        subject=override,
        changes={
            "day": parsed_day.isoformat(),
            "scope": _scope_label(jurisdiction),
            "kind": [before.get("kind"), parsed_kind],
            "note": [before.get("note"), note],
        },
        rules=[RULE],
    )
    calendar_changed.send(sender=CalendarOverride, first=parsed_day, last=parsed_day)
    return override


@transaction.atomic
def calendar_day_delete(*, actor: Any, override: CalendarOverride) -> None:
    """Remove one override: the day falls back to the wider schedule (library or Monday–Friday)."""
    _require_writer(actor, override.jurisdiction)
    locked = CalendarOverride.objects.select_for_update().get(pk=override.pk)
    audit_record(
        actor=actor,
        action=actions.CALENDAR_OVERRIDE_DELETE,
        subject=locked,
        changes={
            "day": locked.day.isoformat(),
            "scope": _scope_label(locked.jurisdiction),
            "kind": [locked.kind, None],
            "note": [locked.note, None],
        },
        rules=[RULE],
    )
    day = locked.day
    locked.delete()
    calendar_changed.send(sender=CalendarOverride, first=day, last=day)


# ---------------------------------------------------------------------- a whole year


def _row_fields(row: Any) -> tuple[Any, Any, Any, int | None]:
    if isinstance(row, CalendarRow):
        return row.day, row.kind, row.note, row.line
    if isinstance(row, Mapping):
        return row.get("date", row.get("day")), row.get("kind"), row.get("note", ""), row.get("line")
    if isinstance(row, list | tuple) and 2 <= len(row) <= 3:
        return row[0], row[1], row[2] if len(row) == 3 else "", None
    raise ValueError(MSG_ROW_SHAPE)


def _clean_rows(rows: Iterable[Any], year: int) -> dict[dt.date, tuple[str, str]]:
    """Every row checked (a date in ``year``, a known kind, no duplicates): all errors at once."""
    cleaned: dict[dt.date, tuple[str, str]] = {}
    seen: dict[dt.date, str] = {}
    errors: list[RuleViolation] = []

    def refuse(where: str, code: str, message: str) -> None:
        errors.append(RuleViolation(rule=RULE, code=code, field="rows", message=f"{where}：{message}"))

    for index, row in enumerate(rows, start=1):
        where = f"第{index}条"
        try:
            raw_day, raw_kind, raw_note, line = _row_fields(row)
        except ValueError as exc:
            refuse(where, "bad_row", str(exc))
            continue
        where = f"第{line}行" if line else where
        day = parse_day(raw_day)
        kind = parse_kind(raw_kind)
        note = str(raw_note or "").strip()
        if day is None:
            refuse(where, "bad_date", MSG_BAD_DATE.format(value=raw_day))
        elif day.year != year:
            refuse(where, "other_year", MSG_OTHER_YEAR.format(day=day.isoformat(), year=year))
        elif day in seen:
            refuse(where, "duplicate", MSG_DUPLICATE.format(day=day.isoformat(), first=seen[day]))
        if kind is None:
            refuse(where, "bad_kind", MSG_BAD_KIND.format(value=raw_kind))
        if len(note) > NOTE_MAX_LENGTH:
            refuse(where, "too_long", MSG_NOTE_TOO_LONG)
        if "\x00" in note:
            refuse(where, "bad_text", MSG_NUL.format(label="说明"))
        if day is not None and day not in seen:
            seen[day] = where
            if kind is not None and day.year == year:
                cleaned[day] = (kind, note)
    if not seen and not errors:
        errors.append(RuleViolation(rule=RULE, code="empty", field="rows", message=MSG_NO_ROWS))
    if errors:
        raise RuleViolations(errors)
    return cleaned


@transaction.atomic
def calendar_year_load(
    *,
    actor: Any,
    year: int,
    rows: Iterable[Any],
    jurisdiction: Jurisdiction | None = None,
    source: str = "",
) -> CalendarYear:
    """Enter one whole year's schedule for ``jurisdiction`` (None: the whole deployment).

    ``rows`` are (date, kind, note) – ``CalendarRow``s from calendar_csv_parse, tuples or mappings.
    The year's overrides of that jurisdiction become exactly these rows (others of that year are
    removed) and the year counts as entered, so its deadlines stop being provisional. All rows are
    checked before anything is written; one refusal lists every bad row; one audit event.
    """
    _require_writer(actor, jurisdiction)
    year = _parse_year(year)
    source = str(source or "").strip()
    if len(source) > SOURCE_MAX_LENGTH:
        raise RuleViolation(rule=RULE, code="too_long", field="source", message=MSG_SOURCE_TOO_LONG)
    if "\x00" in source:
        raise RuleViolation(rule=RULE, code="bad_text", field="source", message=MSG_NUL.format(label="依据"))
    wanted = _clean_rows(rows, year)

    # Ordered by pk, not Meta.ordering: PostgreSQL cannot lock the outer join to the jurisdiction.
    record = (
        CalendarYear.objects.select_for_update()
        .filter(year=year, jurisdiction=jurisdiction)
        .order_by("pk")
        .first()
    )
    existing = {
        override.day: override
        for override in CalendarOverride.objects.select_for_update()
        .filter(jurisdiction=jurisdiction, day__range=(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by("pk")
    }
    now = timezone.now()
    removed = sorted(set(existing) - set(wanted))
    changed = [
        existing[day]
        for day, (kind, note) in wanted.items()
        if day in existing and existing[day].kind != kind
    ]
    renamed = [
        existing[day]
        for day, (kind, note) in wanted.items()
        if day in existing and existing[day].kind == kind and existing[day].note != note
    ]
    added = sorted(set(wanted) - set(existing))
    diff = {
        "added": {day.isoformat(): wanted[day][0] for day in added},
        "removed": {day.isoformat(): existing[day].kind for day in removed},
        "changed": {o.day.isoformat(): [o.kind, wanted[o.day][0]] for o in changed},
        "notes": {
            o.day.isoformat(): [o.note, wanted[o.day][1]]
            for o in changed + renamed
            if o.note != wanted[o.day][1]
        },
    }
    for override in changed + renamed:
        override.kind, override.note = wanted[override.day]
        override.updated_by, override.updated_at = actor, now
    try:
        with transaction.atomic():  # a savepoint: a concurrent load of the same year is a conflict
            CalendarOverride.objects.filter(pk__in=[existing[day].pk for day in removed]).delete()
            CalendarOverride.objects.bulk_update(
                changed + renamed, ["kind", "note", "updated_by", "updated_at"], batch_size=500
            )
            CalendarOverride.objects.bulk_create(
                [
                    CalendarOverride(
                        day=day,
                        kind=wanted[day][0],
                        note=wanted[day][1],
                        jurisdiction=jurisdiction,
                        updated_by=actor,
                    )
                    for day in added
                ],
                batch_size=500,
            )
            before_source = record.source if record else None
            if record is None:
                record = CalendarYear(year=year, jurisdiction=jurisdiction)
            record.source, record.day_count = source, len(wanted)
            record.loaded_by, record.loaded_at = actor, now
            record.save()
    except IntegrityError as exc:
        raise Conflict(rule=RULE, code="conflict", field="year", message=MSG_CONFLICT) from exc
    audit_record(
        actor=actor,
        action=actions.CALENDAR_YEAR_LOAD,
        subject=record,
        changes={
            "year": year,
            "scope": _scope_label(jurisdiction),
            "source": [before_source, source],
            "days": [len(existing), len(wanted)],
            **diff,
        },
        rules=[RULE],
        note=f"载入{year}年安排（{_scope_label(jurisdiction)}），共{len(wanted)}天",
    )
    calendar_changed.send(sender=CalendarYear, first=dt.date(year, 1, 1), last=dt.date(year, 12, 31))
    return record


# ---------------------------------------------------------------------- CSV files


def _read_bytes(file: Any) -> bytes | str:
    if isinstance(file, bytes | str):
        return file
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(CSV_MAX_BYTES + 1)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    # UTF-8 (with or without BOM) first; then GB18030, which is what Excel on a Chinese Windows
    # writes when a registrar chooses plain "CSV (逗号分隔)".
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RuleViolation(rule=RULE, code="csv_encoding", field="file", message=MSG_CSV_ENCODING)


def _check_weekday(value: str, day: dt.date) -> str | None:
    """The shared files carry the weekday: a mismatch betrays a mistyped date."""
    text = value.strip().lower().rstrip(".")
    if not text:
        return None
    weekday = WEEKDAY_WORDS.get(text)
    if weekday is None:
        return MSG_BAD_WEEKDAY.format(value=value)
    if weekday != day.weekday():
        return MSG_WEEKDAY_MISMATCH.format(
            day=day.isoformat(), actual=WEEKDAY_NAMES[day.weekday()], value=value
        )
    return None


def _row_reader(cells: list[str], columns: dict[str, int]) -> Any:
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    return cell


def calendar_csv_parse(file: IO[bytes] | IO[str] | bytes | str) -> list[CalendarRow]:
    """Rows of a schedule CSV, each with its line number; every bad line refused at once, in Chinese.

    Header ``date,kind,note`` (or 日期,类型,说明), or the shape of the shared holidays_2026.csv:
    ``date,weekday,kind,holiday`` with kinds "holiday", "holiday (in lieu)" and "adjusted WORKDAY"
    (the holiday's name becomes the note; a weekday that does not match the date is an error).
    UTF-8 with or without BOM, or GB18030. Writes nothing: calendar_year_load does.
    """
    data = _read_bytes(file)
    if len(data) > CSV_MAX_BYTES:
        raise RuleViolation(rule=RULE, code="csv_too_large", field="file", message=MSG_CSV_TOO_LARGE)
    text = _decode(data)
    if "\x00" in text:  # PostgreSQL cannot store it, and no schedule contains it
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise RuleViolation(rule=RULE, code="csv_nul", field="file", message=MSG_CSV_NUL.format(line=line))
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[RuleViolation] = []
    rows: list[CalendarRow] = []
    seen: dict[dt.date, int] = {}
    columns: dict[str, int] | None = None

    def refuse(line: int, code: str, message: str) -> None:
        errors.append(RuleViolation(rule=RULE, code=code, field="file", message=f"第{line}行：{message}"))

    try:
        for cells in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if columns is None:
                columns = {}
                for index, cell in enumerate(cells):
                    key = COLUMNS.get(cell.lower())
                    if key and key not in columns:
                        columns[key] = index
                if "date" not in columns or "kind" not in columns:
                    refuse(line, "csv_header", MSG_CSV_HEADER)
                    break
                continue
            cell = _row_reader(cells, columns)
            day, kind = parse_day(cell("date")), parse_kind(cell("kind"))
            note = cell("note") or cell("name")
            if day is None:
                refuse(line, "bad_date", MSG_BAD_DATE.format(value=cell("date")))
            elif day in seen:
                refuse(line, "duplicate", MSG_DUPLICATE.format(day=day.isoformat(), first=f"第{seen[day]}行"))
            elif problem := _check_weekday(cell("weekday"), day):
                refuse(line, "bad_weekday", problem)
            if kind is None:
                refuse(line, "bad_kind", MSG_BAD_KIND.format(value=cell("kind")))
            if len(note) > NOTE_MAX_LENGTH:
                refuse(line, "too_long", MSG_NOTE_TOO_LONG)
            if day is not None and day not in seen:
                seen[day] = line
                if kind is not None:
                    rows.append(CalendarRow(day, kind, note, line))
    except csv.Error as exc:
        refuse(reader.line_num, "csv_broken", MSG_CSV_BROKEN.format(error=exc))
    if columns is None:
        refuse(1, "csv_header", MSG_CSV_HEADER)
    elif not rows and not errors:
        errors.append(RuleViolation(rule=RULE, code="empty", field="file", message=MSG_NO_ROWS))
    if errors:
        raise RuleViolations(errors)
    return rows

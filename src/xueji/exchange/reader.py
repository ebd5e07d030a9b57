"""Read a filled-in workbook into rows for the bulk services (python-calamine).

Columns are found by their header text, so a registrar may drop optional columns or move them;
the layout (new students or existing records) is told by the 学籍号 column. Cells are turned into
the text a registrar sees (Excel keeps 202609 as a number, a date as a date); everything else is
judged by the services' rules, not here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from python_calamine import CalamineWorkbook

from xueji.core.errors import RuleViolation
from xueji.exchange.layouts import EXISTING_RECORDS, NEW_STUDENTS, XJH_COLUMN, Column, Layout
from xueji.exchange.workbooks import CODES_SHEET, DATA_SHEET, HELP_SHEET, REPORT_HEADERS
from xueji.students.bulk import BulkRow

HEADER_SCAN_ROWS = 10
EXCEL_EPOCH = dt.date(1899, 12, 30)
MSG_NOT_XLSX = (
    "无法读取该文件：请上传 Excel 工作簿（.xlsx），最好用本系统的「下载模板」填写。"
    "如是 .xls 或 WPS 文件，请另存为 .xlsx 后再上传。"
)
MSG_NUMBER_ID = (
    "该列被 Excel 存成了数字，18 位证件号的末几位已经丢失。"
    "请把该列单元格格式设为“文本”，重新输入证件号后再导入。"
)


@dataclass
class ReadResult:
    layout: Layout
    rows: list[BulkRow]
    cells: list[dict[str, Any]]  # per row, column key → the cell as read (for the error report)
    ignored_headers: list[str] = field(default_factory=list)


def _refuse(message: str, code: str = "bad_file") -> RuleViolation:
    return RuleViolation(rule="R2.3", code=code, field="file", message=message)


def read_workbook(data: bytes) -> ReadResult:
    """Parse the workbook's data sheet; raise a RuleViolation the registrar can act on."""
    return _parse(_grid(data))


def read_table(data: bytes, layout: Layout) -> list[tuple[int, dict[str, Any]]]:
    """A workbook of another layout (the district's 升学 list): each filled row's Excel line number
    and its cells by column key, read and refused as a student workbook is."""
    grid = _grid(data)
    known = layout.by_header()
    found = next(
        (
            (index, headers)
            for index, headers in enumerate([_header_text(v) for v in row] for row in grid[:HEADER_SCAN_ROWS])
            if sum(h in known for h in headers) >= 2
        ),
        None,
    )
    if found is None:
        names = "”“".join(known)
        raise _refuse(f"找不到列标题行（应有“{names}”列）。请使用本系统的模板填写。", "no_header")
    index, headers = found
    positions = [(i, known[h]) for i, h in enumerate(headers) if h in known]
    missing = [c.header for c in layout.columns if c.required and c not in [col for _, col in positions]]
    if missing:
        raise _refuse(f"缺少必填列：{'、'.join(missing)}。请使用本系统的模板。", "missing_columns")
    rows = [
        (
            index + 2 + offset,
            {column.key: _cell(raw[i] if i < len(raw) else None, column) for i, column in positions},
        )
        for offset, raw in enumerate(grid[index + 1 :])
        if any(_blank(v) is False for v in raw)
    ]
    if not rows:
        raise _refuse("文件中没有数据：请从第 2 行起填写。", "no_rows")
    if len(rows) > settings.XUEJI["IMPORT_MAX_ROWS"]:
        raise _refuse(f"一个文件最多 {settings.XUEJI['IMPORT_MAX_ROWS']:,} 行，请拆分后导入。")
    return rows


def _grid(data: bytes) -> list[list[Any]]:
    """The data sheet's cells, after the checks every upload gets (empty, too large, not .xlsx)."""
    if not data:
        raise _refuse("上传的文件是空的，请选择填写好的 Excel 文件。", "empty_file")
    if len(data) > settings.XUEJI["IMPORT_MAX_BYTES"]:
        raise _refuse(
            f"文件超过 {settings.XUEJI['IMPORT_MAX_BYTES'] // (1024 * 1024)} MB，请拆分后分批导入。"
        )
    if not data.startswith(b"PK"):  # every .xlsx is a zip archive
        raise _refuse(MSG_NOT_XLSX)
    _check_unpacked(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        name = _data_sheet_name(book.sheet_names)
        grid: list[list[Any]] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except RuleViolation:
        raise
    except Exception as exc:  # calamine raises many kinds (zip, XML, password): all mean "can't read"
        raise _refuse(MSG_NOT_XLSX) from exc
    return grid


# A workbook is a zip of XML: a few megabytes can unpack to gigabytes (a "zip bomb"). What it says
# it holds is checked before anything is unpacked: the total, each part's compression, and each
# sheet's declared dimensions.
MAX_UNPACKED = 600 * 1024 * 1024
MAX_RATIO = 200
MAX_COLUMNS = 500
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+[0-9]+:([A-Z]+)([0-9]+)"')


def _check_unpacked(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise _refuse(MSG_NOT_XLSX) from None
    too_big = _refuse(
        "文件解压后过大或压缩比异常，不像是正常填写的表格。请用本系统的模板重新填写，或拆分后分批导入。",
        "too_large",
    )
    if sum(p.file_size for p in parts) > MAX_UNPACKED:
        raise too_big
    for part in parts:
        if part.file_size > 10 * 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise too_big
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            with archive.open(part) as sheet:
                head = sheet.read(4096)
            found = _DIMENSION.search(head)
            if found is None:
                continue
            rows, columns = int(found.group(2)), _column_number(found.group(1).decode())
            if rows > settings.XUEJI["IMPORT_MAX_ROWS"] + HEADER_SCAN_ROWS + 1 or columns > MAX_COLUMNS:
                raise _refuse(
                    f"表格声明有 {rows:,} 行、{columns} 列，超过一个文件最多 "
                    f"{settings.XUEJI['IMPORT_MAX_ROWS']:,} 行的限制（可能含有大量空白格式行）。请删除多余的行后重试，或拆分后导入。",
                    "too_large",
                )


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def _data_sheet_name(names: Sequence[str]) -> str:
    if DATA_SHEET in names:
        return DATA_SHEET
    for name in names:
        if name not in (HELP_SHEET, CODES_SHEET):
            return name
    raise _refuse(MSG_NOT_XLSX)


def _header_text(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value or "")).strip("★*")
    return text.replace("(", "（").replace(")", "）")


def _parse(grid: list[list[Any]]) -> ReadResult:
    header_index, headers = _find_header(grid)
    layout = EXISTING_RECORDS if XJH_COLUMN.header in headers else NEW_STUDENTS
    known = layout.by_header()
    positions: list[tuple[int, Column]] = []
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if header in known:
            positions.append((index, known[header]))
        elif header and header not in REPORT_HEADERS:
            ignored.append(header)
    present = {c.key for _, c in positions}
    missing = [c.header for c in layout.columns if c.required and c.key not in present]
    if missing:
        raise _refuse(
            f"缺少必填列：{'、'.join(missing)}。请使用本系统的模板，不要删除或改动列标题。", "missing_columns"
        )
    data_rows = [
        (header_index + 2 + offset, row)  # Excel's row number: 1-based, after the header
        for offset, row in enumerate(grid[header_index + 1 :])
        if any(_blank(v) is False for v in row)
    ]
    if not data_rows:
        raise _refuse("文件中没有学生数据：请从「学生信息」表第 2 行起填写。", "no_rows")
    if len(data_rows) > settings.XUEJI["IMPORT_MAX_ROWS"]:
        raise _refuse(
            f"一个文件最多 {settings.XUEJI['IMPORT_MAX_ROWS']:,} 行，本文件有 {len(data_rows):,} 行，请拆分后导入。"
        )
    rows, cells = [], []
    # Most cells are plain text: those skip the conversions (a 100,000-row file has 7 million cells).
    plan = [(index, column, column.key == "enrollment.entry_date") for index, column in positions]
    for line, raw in data_rows:
        width = len(raw)
        values = {}
        for index, column, special in plan:
            value = raw[index] if index < width else None
            if type(value) is str and not special:
                values[column.key] = value.strip() or None
            else:
                values[column.key] = _cell(value, column)
        cells.append(values)
        rows.append(_bulk_row(line, values, layout))
    return ReadResult(layout, rows, cells, ignored)


def _find_header(grid: list[list[Any]]) -> tuple[int, list[str]]:
    all_headers = EXISTING_RECORDS.by_header()
    for index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        headers = [_header_text(v) for v in row]
        if "姓名" in headers and sum(h in all_headers for h in headers) >= 3:
            return index, headers
    raise _refuse("找不到列标题行（应有“姓名”“性别”“出生日期”等列）。请使用本系统的模板填写。", "no_header")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: Any, column: Column) -> Any:
    """A cell as the text a registrar typed: whole numbers without ".0", dates as dates."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        value = value.date()
    if column.key == "enrollment.entry_date" and isinstance(value, dt.date) and value.year > 2100:
        value = (value - EXCEL_EPOCH).days  # 202609 typed into a date cell: the serial is the number
    if isinstance(value, dt.date):
        return value if column.date else value.isoformat()
    if isinstance(value, float):
        if column.text and value >= 1e15:
            return _NumberLost(value)
        value = int(value) if value.is_integer() else value
    if isinstance(value, int) and column.key == "enrollment.entry_date" and 190001 <= value <= 299912:
        return _year_month(str(value))
    text = str(value).strip()
    if column.key == "enrollment.entry_date" and re.fullmatch(r"\d{6}", text):
        return _year_month(text)
    return text


class _NumberLost(float):
    """An ID number that Excel stored as a float: its last digits are gone."""


def _year_month(text: str) -> Any:
    """入学年月 as the national form writes it (202609): the first day of that month."""
    try:
        return dt.date(int(text[:4]), int(text[4:]), 1)
    except ValueError:
        return text  # left for the date rule to refuse with its own message


def _bulk_row(line: int, values: dict[str, Any], layout: Layout) -> BulkRow:
    student: dict[str, Any] = {}
    enrollment: dict[str, Any] = {}
    family: list[dict[str, Any]] = [{}, {}]
    row = BulkRow(line=line, student=student, family=family, enrollment=enrollment)
    for key, value in values.items():
        if isinstance(value, _NumberLost):
            row.errors.append(
                RuleViolation(rule="R6.3", code="number_lost", field=_field_of(key), message=MSG_NUMBER_ID)
            )
            continue
        part, _, name = key.partition(".")
        if part == "student":
            student[name] = value
        elif part == "enrollment":
            enrollment[name] = value
        elif part == "family1":
            family[0][name] = value
        elif part == "family2":
            family[1][name] = value
        elif part == "class":
            row.class_ref = value
        elif part == "xjh":
            row.xjh = value
    return row  # a blank member is skipped by the family rules, and member 2 keeps position 2


def _field_of(key: str) -> str:
    """The services' field name for a column key (family1.phone → family1_phone)."""
    part, _, name = key.partition(".")
    if part.startswith("family"):
        return f"{part}_{name}"
    return {"class": "school_class", "xjh": "xjh"}.get(part, name)


def key_of_field(field_name: str | None) -> str | None:
    """The column key a service's error field points at (the inverse of ``_field_of``)."""
    if not field_name:
        return None
    match = re.fullmatch(r"family([12])_(\w+)", field_name)
    if match:
        return f"family{match.group(1)}.{match.group(2)}"
    if field_name == "school_class":
        return "class"
    if field_name == "xjh":
        return "xjh"
    for column in EXISTING_RECORDS.columns:
        if column.key.endswith("." + field_name) and not column.key.startswith("family"):
            return column.key
    return None

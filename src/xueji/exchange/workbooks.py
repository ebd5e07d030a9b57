"""Import workbooks we hand out: the blank templates and the error report of a refused import.

Both are one builder: the data sheet in the layout's column order (text columns formatted as text
so Excel keeps 18-digit ID numbers, dropdowns on every coded column), an instructions sheet and a
hidden sheet of code lists. The error report is the registrar's own rows in the same workbook,
with the result and the reasons in front and the wrong cells marked, ready to fix and re-import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from xlsxwriter.utility import xl_col_to_name

from xueji.core import identity
from xueji.exchange.layouts import Column, Layout

DATA_SHEET, HELP_SHEET, CODES_SHEET = "学生信息", "填写说明", "代码表"
LINE_HEADER, RESULT_HEADER, REASON_HEADER = "原行号", "导入结果", "错误说明"
REPORT_HEADERS = (LINE_HEADER, RESULT_HEADER, REASON_HEADER)


@dataclass
class ReportRow:
    values: dict[str, Any]  # column key → the cell as read
    line: int = 0  # the row's number in the uploaded file
    result: str = ""
    reasons: str = ""
    bad_keys: set[str] = field(default_factory=set)


def write_template(layout: Layout, out: IO[bytes]) -> None:
    _write(layout, out, rows=None)


def write_report(layout: Layout, rows: Sequence[ReportRow], out: IO[bytes]) -> None:
    _write(layout, out, rows=rows)


def _write(layout: Layout, out: IO[bytes], rows: Sequence[ReportRow] | None) -> None:
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": False,
            "strings_to_formulas": False,  # a cell is never a formula, whatever a registrar typed
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
        },
    )
    fmt = _formats(book)
    sheet = book.add_worksheet(DATA_SHEET)
    help_sheet = book.add_worksheet(HELP_SHEET)
    codes_sheet = book.add_worksheet(CODES_SHEET)
    offset = len(REPORT_HEADERS) if rows is not None else 0
    sources = _write_codes(codes_sheet, layout.columns)
    codes_sheet.hide()
    if rows is not None:
        for col, header in enumerate(REPORT_HEADERS):
            sheet.write_string(0, col, header, fmt["report_header"])
        sheet.set_column(0, 1, 12)
        sheet.set_column(2, 2, 60, fmt["wrap"])
    last_row = settings.XUEJI["IMPORT_MAX_ROWS"]  # dropdowns on every row a file may have
    for index, column in enumerate(layout.columns):
        col = index + offset
        style = "required" if column.required else "complete" if column.complete else "header"
        sheet.write_string(0, col, column.header, fmt[style])
        cell_format = fmt["text"] if column.text else fmt["date"] if column.date else None
        sheet.set_column(col, col, column.width, cell_format)
        if column.hint or column.table:
            sheet.write_comment(0, col, _comment(column), {"x_scale": 1.6, "y_scale": 1.2})
        if column.key in sources:
            sheet.data_validation(
                1,
                col,
                last_row,
                col,
                {
                    "validate": "list",
                    "source": sources[column.key],
                    # "information" lets a registrar type the code instead of picking the name.
                    "error_type": "information",
                    "error_title": column.header,
                    "error_message": "建议从下拉列表选择；也可填写代码。",
                },
            )
    sheet.freeze_panes(1, offset + 1)
    sheet.set_row(0, 30)
    if rows is not None:
        _write_rows(sheet, layout.columns, rows, offset, fmt)
    _write_help(help_sheet, layout, fmt)
    book.close()


def _formats(book: xlsxwriter.Workbook) -> dict[str, Any]:
    header = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    return {
        "header": book.add_format(header),
        "required": book.add_format({**header, "bg_color": "#FCE4D6", "font_color": "#9C0006"}),
        "complete": book.add_format({**header, "bg_color": "#FFF2CC"}),
        "report_header": book.add_format({**header, "bg_color": "#FFEB9C"}),
        "text": book.add_format({"num_format": "@"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "bad": book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "num_format": "@"}),
        "bad_date": book.add_format(
            {"bg_color": "#FFC7CE", "font_color": "#9C0006", "num_format": "yyyy-mm-dd"}
        ),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
    }


def _comment(column: Column) -> str:
    parts = [f"第 {column.item} 项" if column.item else "", _need(column)]
    if column.hint:
        parts.append(column.hint)
    if column.table:
        parts.append("可填代码或名称")
    if column.blank_means:
        parts.append(f"留空记为“{column.blank_means}”")
    return "；".join(p for p in parts if p)


def _need(column: Column) -> str:
    if column.required:
        return "建档必填"
    return "档案完整须填（入学后一个月内补齐，第五条）" if column.complete else "选填"


def _write_codes(sheet: Any, columns: Iterable[Column]) -> dict[str, str]:
    """One column per code table; returns each coded column's dropdown source range."""
    sources: dict[str, str] = {}
    tables: dict[int, str] = {}  # the same table (民族, 是/否) is listed once
    for column in columns:
        if not column.table:
            continue
        if id(column.table) not in tables:
            col = len(tables)
            sheet.write_string(0, col, column.header)
            for row, name in enumerate(column.choices, start=1):
                sheet.write_string(row, col, name)
            letter = xl_col_to_name(col)
            tables[id(column.table)] = f"={CODES_SHEET}!${letter}$2:${letter}${len(column.choices) + 1}"
        sources[column.key] = tables[id(column.table)]
    return sources


def _write_rows(sheet: Any, columns: list[Column], rows: Sequence[ReportRow], offset: int, fmt: dict) -> None:
    for r, row in enumerate(rows, start=1):
        sheet.write_number(r, 0, row.line)
        sheet.write_string(r, 1, row.result)
        sheet.write_string(r, 2, row.reasons, fmt["wrap"])
        for index, column in enumerate(columns):
            value = row.values.get(column.key)
            bad = column.key in row.bad_keys
            if value is None or value == "":
                if bad:
                    sheet.write_blank(r, index + offset, None, fmt["bad"])
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, index + offset, value, fmt["bad_date"] if bad else fmt["date"])
            else:
                sheet.write_string(r, index + offset, str(value), fmt["bad"] if bad else fmt["text"])


def _write_help(sheet: Any, layout: Layout, fmt: dict) -> None:
    if layout.help:
        _write_own_help(sheet, layout, fmt)
        return
    limits = settings.XUEJI
    lines = [
        (f"《{layout.title}》导入模板 填写说明", fmt["title"]),
        ("", None),
        (
            "1. 在「学生信息」表第 2 行起每行填写一名学生；不要修改、删除或调换第 1 行的列标题，可删除不需要的选填列。",
            None,
        ),
        (
            "2. 红色标题为建档必填列；黄色标题为国家学籍表的必填项（★），可在入学后一个月内补齐，逾期列入待办（第五条）；其余选填。",
            None,
        ),
        ("3. 带下拉箭头的列可从列表选择名称，也可直接填写代码（如 民族 填“01”或“汉族”均可）。", None),
        ("4. 日期填写为 2020-05-01 格式；「入学年月」可填 202609 或 2026-09-01。", None),
        (
            "5. 身份证件号、电话、行政区划代码等列已设为文本格式，请勿改为数字，否则 18 位证件号的末几位会丢失。",
            None,
        ),
        ("6. 「班级」可填“一年级（2）班”或班号“2”，须是本校本学年已建的班级；留空则稍后分班。", None),
        (
            "7. 部分列留空时按国家学籍表的常见值登记（如 是否留守儿童 记为“非留守儿童”、是否孤儿 记为“否”），"
            "与单个注册相同，见下方各列说明中的“留空记为”；未注明的列留空即为未填。与实际不符的，请如实填写。",
            None,
        ),
        (
            f"8. 一个文件最多 {limits['IMPORT_MAX_ROWS']:,} 行、{limits['IMPORT_MAX_BYTES'] // (1024 * 1024)} MB。",
            None,
        ),
        ("", None),
        ("导入规则", fmt["bold"]),
        ("· 每一行都按与单个注册完全相同的规则检查（年龄、重复学籍、证件号校验、代码等）。", None),
        (
            "· 默认“全部导入或全部不导入”：只要有一行有错，就不写入任何记录，并返回带「错误说明」列的文件。",
            None,
        ),
        ("· 也可选择“只导入正确的行”：正确的行写入，有错的行连同错误说明返回，修改后再导入这些行。", None),
        ("· 同一文件重复导入不会产生重复学籍：本校已有的学生标为“已存在”并跳过。", None),
        ("· 错误说明注明所依据的《学籍管理办法》条款（如“依据《办法》第三条”），便于查对。", None),
        ("", None),
        (
            "填写示例（一名学生的一行；在「学生信息」表中从第 2 行起照此填写，不要把本行复制过去）",
            fmt["bold"],
        ),
    ]
    for row, (text, style) in enumerate(lines):
        sheet.write_string(row, 0, text, style)
    example = len(lines)
    for col, column in enumerate(layout.columns):  # the example row, under its headers
        sheet.write_string(example, col, column.header, fmt["header"])
        sheet.write_string(example + 1, col, example_value(column))
    lines += [("", None), ("", None), ("", None), ("各列说明", fmt["bold"])]
    sheet.write_string(len(lines) - 1, 0, "各列说明", fmt["bold"])
    start = len(lines)
    for col, title in enumerate(("列名", "国家学籍表项目", "是否必填", "填写要求")):
        sheet.write_string(start, col, title, fmt["header"])
    for row, column in enumerate(layout.columns, start=start + 1):
        sheet.write_string(row, 0, column.header)
        sheet.write_string(row, 1, f"第 {column.item} 项" if column.item else "")
        sheet.write_string(row, 2, _need(column))
        sheet.write_string(row, 3, _requirement(column))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 2, 14)
    sheet.set_column(3, 3, 80)


def _write_own_help(sheet: Any, layout: Layout, fmt: dict) -> None:
    """A layout's own instructions (the district's 升学 list), then what each column takes."""
    lines = [(f"《{layout.title}》模板 填写说明", fmt["title"]), ("", None)]
    lines += [(text, None) for text in layout.help]
    lines += [("", None), ("各列说明", fmt["bold"])]
    for row, (text, style) in enumerate(lines):
        sheet.write_string(row, 0, text, style)
    start = len(lines)
    for col, title in enumerate(("列名", "是否必填", "填写要求")):
        sheet.write_string(start, col, title, fmt["header"])
    for row, column in enumerate(layout.columns, start=start + 1):
        sheet.write_string(row, 0, column.header)
        sheet.write_string(row, 1, "必填" if column.required else "选填")
        sheet.write_string(row, 2, column.hint)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 80)


# The example row's values (a child who would pass every check of a registration); a coded column
# not named here shows its table's first name, a yes-or-no 否.
_EXAMPLE_BODY = "41050320200315012"
EXAMPLE = {
    "student.name": "王小红",
    "student.gender": "女",
    "student.birth_date": "2020-03-15",
    "student.birthplace_code": "410503",
    "student.native_place": "河南安阳",
    "student.ethnicity": "汉族",
    "student.id_type": "居民身份证",
    "student.id_number": _EXAMPLE_BODY + identity.gb11643_check_char(_EXAMPLE_BODY),
    "student.household_place_code": "410503",
    "student.health": "健康或良好",
    "student.political_status": "群众",
    "student.household_type": "非农业户口",
    "enrollment.grade": "1",
    "class": "一年级（1）班",
    "enrollment.entry_date": "2026-09-01",
    "enrollment.entry_mode": "就近入学",
    "enrollment.attendance_mode": "走读",
    "student.current_address": "河南省安阳市北关区红旗路12号",
    "student.mailing_address": "河南省安阳市北关区红旗路12号",
    "student.home_address": "河南省安阳市北关区红旗路12号",
    "student.phone": "13812345678",
    "student.postal_code": "455000",
    "student.preschool": "是",
    "student.commute_km": "1.5",
    "family1.name": "王建国",
    "family1.relation": "父亲",
    "family1.phone": "13912345678",
    "family1.is_guardian": "是",
    "xjh": "G" + _EXAMPLE_BODY + identity.gb11643_check_char(_EXAMPLE_BODY),
}


def example_value(column: Column) -> str:
    if column.key.startswith("family2."):
        return ""  # one family member is enough; a half-filled second one is refused
    if column.key in EXAMPLE:
        return EXAMPLE[column.key]
    if column.table:
        return next(iter(column.table.values()), "")
    if column.key.endswith(("only_child", "migrant_child", "orphan", "martyr_child", "school_bus")):
        return "否"
    return ""


def _requirement(column: Column) -> str:
    blank = f"；留空记为“{column.blank_means}”" if column.blank_means else ""
    if column.table:
        names = column.choices
        shown = "、".join(f"{code} {name}" for code, name in list(column.table.items())[:12])
        more = f" 等 {len(names)} 项（见下拉列表）" if len(names) > 12 else ""
        return f"代码或名称：{shown}{more}{blank}"
    if column.date:
        return (column.hint or "日期，如 2020-05-01") + blank
    return column.hint + blank

"""Imports keep their files in a per-test folder; helpers fill a downloaded template like a registrar."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from tests.factories import make_id
from xueji.exchange import layouts, workbooks


def template_bytes(layout: layouts.Layout = layouts.NEW_STUDENTS) -> bytes:
    buffer = io.BytesIO()
    workbooks.write_template(layout, buffer)
    return buffer.getvalue()


def fill(template: bytes, rows: Sequence[Mapping[str, Any]], *, sheet: str = workbooks.DATA_SHEET) -> bytes:
    """What a registrar sends back: the template's own header row, then one row per student.

    Values are keyed by header; a date stays a date cell and a number a number cell, as Excel keeps them.
    """
    headers = CalamineWorkbook.from_filelike(io.BytesIO(template)).get_sheet_by_name(sheet).to_python()[0]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    out = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(headers):
        out.write_string(0, col, str(header))
    for r, row in enumerate(rows, start=1):
        for col, header in enumerate(headers):
            value = row.get(str(header))
            if value is None:
                continue
            if isinstance(value, dt.date):
                out.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                out.write_number(r, col, value)
            else:
                out.write_string(r, col, str(value))
    book.close()
    return buffer.getvalue()


def child(birth: dt.date = dt.date(2020, 3, 15), *, male: bool = True, **overrides: Any) -> dict[str, Any]:
    """One complete row in the template's headers, codes written as names the way the dropdowns give them."""
    row = {
        "姓名": "王小明",
        "性别": "男" if male else "女",
        "出生日期": birth,
        "出生地": "410503",
        "籍贯": "河南安阳",
        "民族": "汉族",
        "国籍/地区": "中国",
        "身份证件类型": "居民身份证",
        "身份证件号": make_id(birth, male=male),
        "港澳台侨外": "否",
        "政治面貌": "群众",
        "健康状况": "健康或良好",
        "户口所在地": "410503",
        "户口性质": "非农业户口",
        "年级": "一年级",
        "入学年月": "202609",
        "入学方式": "就近入学",
        "就读方式": "走读",
        "学生来源": "正常入学",
        "现住址": "安阳市北关区红旗路12号",
        "通信地址": "安阳市北关区红旗路12号",
        "家庭地址": "安阳市北关区红旗路12号",
        "联系电话": "13812345678",
        "邮政编码": "455000",
        "是否独生子女": "否",
        "是否受过学前教育": "是",
        "成员1姓名": "王建国",
        "成员1关系": "父亲",
        "成员1联系电话": "13912345678",
        "成员1是否监护人": "是",
        "成员2姓名": "李红",
        "成员2关系": "母亲",
        "成员2联系电话": "13712345678",
        "成员2是否监护人": "是",
    }
    row.update(overrides)
    return row


def read_sheet(data: bytes, sheet: str = workbooks.DATA_SHEET) -> list[dict[str, Any]]:
    grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()
    headers = [str(h) for h in grid[0]]
    return [dict(zip(headers, row, strict=False)) for row in grid[1:]]

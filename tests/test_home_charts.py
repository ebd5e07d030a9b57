"""Issue 13: the homes' charts — students by grade and status, status changes by kind and month,
late steps by school — each with a sentence saying what it shows and its table one click away."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.changes.conftest import START_EVIDENCE, attach, pupil, start
from tests.conftest import login
from xueji.changes import services as engine
from xueji.home_charts import for_home


def test_the_school_home_charts_its_students_and_changes(world):
    student = pupil(world, school=world.school_c, registrar=world.registrar_c)
    attach(start(world, student), world.registrar_a, *START_EVIDENCE)
    charts = {c.key: c for c in for_home(world.registrar_c)}
    assert (
        charts["students"].summary.startswith("共 1 名学生") and "三年级 1 人" in charts["students"].summary
    )
    assert charts["students"].rows == [["三年级", 1]]
    page = login(world.registrar_c).get("/").content.decode()
    assert "vendor/echarts.min.js" in page and 'role="img"' in page and "查看数据表" in page
    option = json.loads(re.search(r'data-chart="([^"]+)"', page).group(1).replace("&quot;", '"'))
    assert option["xAxis"]["data"] == ["三年级"] and option["series"][0]["name"] == "在读"


def test_the_districts_home_charts_late_steps_by_school_in_a_fixed_number_of_queries(world, settings):
    student = pupil(world, school=world.school_c, registrar=world.registrar_c)
    case = start(world, student)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    settings.XUEJI_FIXED_TODAY = "2026-11-30"  # long past the filing day
    charts = {c.key: c for c in for_home(world.officer)}
    assert charts["late"].rows[0][1] == 1 and "已逾期" in charts["late"].summary
    assert charts["changes"].summary.startswith("近 12 个月共发起学籍变动 1 件：转学 1 件")
    with CaptureQueriesContext(connection) as few:
        for_home(world.officer)
    for birth in (dt.date(2018, 5, 5), dt.date(2018, 6, 6)):
        attach(
            start(world, pupil(world, birth=birth, school=world.school_c, registrar=world.registrar_c)),
            world.registrar_a,
            *START_EVIDENCE,
        )
    with CaptureQueriesContext(connection) as more:
        for_home(world.officer)
    assert len(few) == len(more)


def test_no_data_no_chart(world):
    assert for_home(world.registrar_a) == []
    assert "echarts" not in login(world.registrar_a).get("/").content.decode()

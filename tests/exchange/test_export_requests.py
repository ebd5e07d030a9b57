"""R21.1 (Art. 21): personal data leaves the system unmasked only through an export request the
district approves in writing; the file carries the request's number and requester, only the
requester downloads it, a limited number of times within a limited period, each time logged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied

from tests.changes.test_batch import pdf_pages
from tests.conftest import login
from tests.exchange.test_exports import records, register, xml_parts
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.exchange import export_request_services as services
from xueji.exchange import exports
from xueji.exchange.models import ExportJob, ExportRequest

PURPOSE = "与全国学籍系统核对本学期新生信息"


def _ask(world, client=None, **extra):
    """The registrar's path: search, 「申请不脱敏导出」, the form, submit."""
    client = client or login(world.registrar_a)
    form = client.post("/exports/requests/new/", {"q": "甲"})
    key = re.search(r'name="s" value="([\w-]+)"', form.content.decode()).group(1)
    data = {"step": "submit", "s": key, "layout": "national", "purpose": PURPOSE, "recipient": "安阳市教育局"}
    return form, client.post("/exports/requests/new/", {**data, **extra}, follow=True)


def _approve(world, item, opinion="同意，仅用于核对"):
    return login(world.officer).post(
        f"/exports/requests/{item.pk}/", {"decision": "approve", "opinion": opinion}, follow=True
    )


def test_r21_1_asked_approved_downloaded_unmasked_with_its_watermark(world):
    student = register(world, name="甲一")
    register(world, name="乙二", birth=dt.date(2020, 5, 6))
    form, asked = _ask(world)
    assert "1 名" in form.content.decode()  # the search's count, before asking
    item = ExportRequest.objects.get()
    assert item.state == "pending" and item.rows == 1 and "已提交导出申请" in asked.content.decode()
    listed = login(world.officer).get("/exports/requests/").content.decode()
    assert item.number in listed and "待审批（1）" in listed
    page = _approve(world, item).content.decode()
    assert "已批准" in page
    item.refresh_from_db()
    assert item.state == "approved" and item.job.state == "done" and not item.job.masked
    client = login(world.registrar_a)
    answer = client.get(f"/exports/requests/{item.pk}/download.xlsx")
    content = b"".join(answer.streaming_content)
    [row] = records(content)
    assert row["身份证件号"] == student.id_number and row["学籍号"] == student.xjh  # unmasked
    header = xml_parts(content)["xl/worksheets/sheet1.xml"]
    assert item.number in header and "张老师" in header and "安阳市教育局" in header
    notes = AuditEvent.objects.filter(action="export.download").values_list("note", flat=True)
    assert [n for n in notes if item.number in n] == [f"导出申请 {item.number}，第 1/3 次下载"]


def test_r21_1_downloads_are_limited_in_number_and_in_time(world, settings):
    register(world, name="甲一")
    _ask(world)
    item = ExportRequest.objects.get()
    _approve(world, item)
    client = login(world.registrar_a)
    for _ in range(3):
        assert client.get(f"/exports/requests/{item.pk}/download.xlsx").status_code == 200
    fourth = client.get(f"/exports/requests/{item.pk}/download.xlsx", follow=True)
    assert "已下载 3 次，达到批准的次数" in fourth.content.decode()
    ExportRequest.objects.filter(pk=item.pk).update(
        downloads=0, download_until=clock.now() - dt.timedelta(seconds=1)
    )
    late = client.get(f"/exports/requests/{item.pk}/download.xlsx", follow=True)
    assert "已超过批准的下载期限" in late.content.decode()


def test_r21_1_only_the_requester_downloads_and_the_unmasked_job_is_not_in_my_exports(world):
    register(world, name="甲一")
    _ask(world)
    item = ExportRequest.objects.get()
    _approve(world, item)
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.export_request_download(actor=world.officer, request=item)
    assert login(world.registrar_a).get(f"/exports/{item.job.pk}/download.xlsx").status_code == 404
    assert f"/exports/{item.job.pk}/" not in login(world.registrar_a).get("/exports/").content.decode()


def test_r21_1_the_decision_is_the_districts_in_writing_and_never_the_requesters(world):
    register(world, name="甲一")
    _ask(world)
    item = ExportRequest.objects.get()
    with pytest.raises(PermissionDenied):
        services.export_request_decide(actor=world.registrar_a, request=item, approve=True, opinion="同意")
    assert login(world.officer_wf).get(f"/exports/requests/{item.pk}/").status_code == 404
    with pytest.raises(RuleViolation, match="请填写审批意见"):
        services.export_request_decide(actor=world.officer, request=item, approve=True, opinion=" ")
    refused = login(world.officer).post(
        f"/exports/requests/{item.pk}/",
        {"decision": "refuse", "opinion": "用途不明确，请说明核对范围"},
        follow=True,
    )
    assert "已记录不批准的意见" in refused.content.decode()
    item.refresh_from_db()
    assert item.state == "refused" and item.job is None and not ExportJob.objects.exists()
    with pytest.raises(RuleViolation, match="尚未批准"):
        services.export_request_download(actor=world.registrar_a, request=item)
    with pytest.raises(RuleViolation, match="已经审批过了"):
        services.export_request_decide(actor=world.officer, request=item, approve=True, opinion="同意")


def test_r21_1_an_officers_own_request_needs_another_officer(world):
    register(world, name="甲一")
    mine = services.export_request_create(
        actor=world.officer,
        filters=exports.StudentFilters(),
        layout="list",
        purpose=PURPOSE,
        recipient="市教育局",
    )
    with pytest.raises(RuleViolation, match="不能审批自己的导出申请"):
        services.export_request_decide(actor=world.officer, request=mine, approve=True, opinion="同意")
    assert "批准导出" not in login(world.officer).get(f"/exports/requests/{mine.pk}/").content.decode()


def test_r21_1_a_request_says_why_it_cannot_be_made(world):
    register(world, name="甲一")
    _, short = _ask(world, purpose="核对")
    assert "请写明用途" in short.content.decode()
    _, nobody = _ask(world, recipient="")
    assert "请写明数据提供给哪个单位" in nobody.content.decode()
    with pytest.raises(RuleViolation, match="没有学生"):
        services.export_request_create(
            actor=world.registrar_a,
            filters=exports.StudentFilters(q="无此人"),
            layout="list",
            purpose=PURPOSE,
            recipient="市教育局",
        )
    assert not ExportRequest.objects.exists()
    stale = login(world.registrar_a).post(
        "/exports/requests/new/",
        {"step": "submit", "s": "unknown", "layout": "list", "purpose": PURPOSE, "recipient": "市教育局"},
        follow=True,
    )
    assert "这次查询已过期" in stale.content.decode() and not ExportRequest.objects.exists()


def test_r21_1_the_approval_sheet_reads_what_was_asked_and_decided(world):
    register(world, name="甲一")
    _ask(world)
    item = ExportRequest.objects.get()
    _approve(world, item, opinion="同意，用后删除")
    answer = login(world.registrar_a).get(f"/exports/requests/{item.pk}/sheet.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = "".join(pdf_pages(answer.content))
    for said in (item.number, "同意导出", "同意，用后删除", "安阳市教育局", PURPOSE):
        assert said in text, said
    assert AuditEvent.objects.filter(action="export.approval_sheet", subject_id=str(item.pk)).exists()

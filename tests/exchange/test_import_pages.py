"""The import pages over HTTP: template download, upload, progress, error report; never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import login, said
from tests.exchange.conftest import child, fill, read_sheet, template_bytes
from xueji.audit.models import AuditEvent
from xueji.exchange.models import ImportJob
from xueji.students.models import Student


def upload(client, data: bytes, *, mode: str = "all", name: str = "新生.xlsx"):
    return client.post(reverse("exchange:import"), {"file": SimpleUploadedFile(name, data), "mode": mode})


def test_registrar_downloads_both_templates(world):
    client = login(world.registrar_a)
    for kind, first in (("new", "姓名"), ("existing", "学籍号")):
        response = client.get(reverse("exchange:template", args=[kind]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        data = b"".join(response.streaming_content)
        assert list(read_sheet(fill(data, [{"姓名": "张三"}]))[0])[0] == first
    assert client.get(reverse("exchange:template", args=["other"])).status_code == 404


def test_upload_runs_the_job_and_shows_the_result(world):
    client = login(world.registrar_a)
    response = upload(client, fill(template_bytes(), [child(dt.date(2020, 3, 15))]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exchange:job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and "已导入" in page.content.decode()
    status = client.get(reverse("exchange:job_status", args=[job.pk])).json()
    assert (status["state"], status["percent"], status["imported"], status["final"]) == ("done", 100, 1, True)
    assert Student.objects.count() == 1


def test_refused_upload_offers_the_error_report_and_logs_its_download(world):
    client = login(world.registrar_a)
    upload(client, fill(template_bytes(), [child(dt.date(2020, 9, 1))]))
    job = ImportJob.objects.get()
    assert job.state == "refused"
    assert "下载错误报告" in client.get(reverse("exchange:job", args=[job.pk])).content.decode()
    response = client.get(reverse("exchange:job_report", args=[job.pk]))
    assert response.status_code == 200
    lines = read_sheet(b"".join(response.streaming_content))
    assert said("R3.2") in lines[0]["错误说明"]
    assert AuditEvent.objects.filter(action="import.report_download", subject_id=str(job.pk)).exists()


def test_the_result_page_lists_the_first_errors_by_row_and_column(world):
    """Issue 13: not only counts — the row, the column and the reason, on the page (and in the
    page's status answer), with numbers masked; every error stays in the report."""
    client = login(world.registrar_a)
    bad_id = child(dt.date(2020, 3, 15))
    bad_id["身份证件号"] = bad_id["身份证件号"][:-1] + ("0" if bad_id["身份证件号"][-1] != "0" else "1")
    upload(client, fill(template_bytes(), [child(dt.date(2020, 9, 1)), bad_id]))
    job = ImportJob.objects.get()
    page = client.get(reverse("exchange:job", args=[job.pk])).content.decode()
    assert "错误（前 20 项）" in page and "第 2 行" in page and "第 3 行" in page
    assert "【出生日期】" in page or "出生日期" in page
    assert said("R3.2") in page and said("R6.3") in page
    assert bad_id["身份证件号"] not in page  # masked, as every page masks it
    status = client.get(reverse("exchange:job_status", args=[job.pk])).json()
    assert [e["line"] for e in status["first_errors"]][:2] == [2, 3]
    assert {e["column"] for e in status["first_errors"]} >= {"出生日期", "身份证件号"}


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", bytes(range(256)) * 8192, b"PK\x03\x04" + bytes(1000)],
)
def test_malformed_files_get_a_message_never_a_500(world, data):
    client = login(world.registrar_a)
    response = upload(client, data)
    if response.status_code == 302:  # accepted as a zip, then failed while reading
        job = ImportJob.objects.get()
        assert job.state == "failed" and "无法读取" in job.message
        assert client.get(response["Location"]).status_code == 200
    else:
        assert response.status_code == 200
        assert "alert" in response.content.decode()
    assert not Student.objects.exists()


def test_no_file_at_all(world):
    response = login(world.registrar_a).post(reverse("exchange:import"), {"mode": "all"})
    assert response.status_code == 200 and "请选择要导入的 Excel 文件" in response.content.decode()


def test_r2_2_jobs_of_another_school_are_404_and_other_roles_403(world):
    client = login(world.registrar_a)
    upload(client, fill(template_bytes(), [child()]))
    job = ImportJob.objects.get()
    other = login(world.registrar_c)
    for name in ("exchange:job", "exchange:job_status", "exchange:job_report"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert login(world.officer).get(reverse("exchange:import")).status_code == 403
    assert login(world.approver_a).get(reverse("exchange:job", args=[job.pk])).status_code == 403


def test_end_states_say_what_happened(world):
    client = login(world.registrar_a)
    good = fill(template_bytes(), [child(dt.date(2020, 3, 15))])
    upload(client, good)
    upload(client, good)  # the same file again: nothing new
    mixed = fill(template_bytes(), [child(dt.date(2020, 4, 1)), child(dt.date(2020, 5, 1), 民族="火星族")])
    upload(client, mixed, mode="valid_only")
    upload(client, mixed)  # all or nothing: refused
    first, again, partial, refused = (
        client.get(reverse("exchange:job_status", args=[job.pk])).json()
        for job in ImportJob.objects.order_by("pk")
    )
    assert (first["state_label"], first["tone"]) == ("已导入", "ok")
    assert again["state_label"].startswith("无新增") and again["present"] == 1
    assert partial["state_label"] == "部分导入：1 行已导入，1 行有错误" and partial["tone"] == "warn"
    assert refused["tone"] == "bad"


def test_r21_1_uploads_and_reports_are_deleted_after_the_keeping_time(world):
    """They hold full ID numbers: kept IMPORT_KEEP_DAYS (30) days, then deleted; the job stays."""
    import os
    import time

    from xueji.exchange import services

    client = login(world.registrar_a)
    upload(client, fill(template_bytes(), [child(dt.date(2020, 9, 1))]))
    job = ImportJob.objects.get()
    files = [services.upload_path(job), services.report_path(job)]
    assert all(path.exists() for path in files)
    month_old = time.time() - 31 * 86400
    for path in services.job_dir().iterdir():
        os.utime(path, (month_old, month_old))
    page = client.get(reverse("exchange:import")).content.decode()  # the page purges on a visit
    assert not any(path.exists() for path in files)
    assert reverse("exchange:job_report", args=[job.pk]) not in page
    response = client.get(reverse("exchange:job_report", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("exchange:job", args=[job.pk])
    job_page = client.get(reverse("exchange:job", args=[job.pk])).content.decode()
    assert "已在 30 天后删除" in job_page and '<p id="job-report" hidden>' in job_page
    assert client.get(reverse("exchange:job_status", args=[job.pk])).json()["has_report"] is False
    assert ImportJob.objects.filter(pk=job.pk, has_report=True).exists()


def test_files_of_recent_imports_stay(world):
    from xueji.exchange import services

    client = login(world.registrar_a)
    upload(client, fill(template_bytes(), [child(dt.date(2020, 9, 1))]))
    job = ImportJob.objects.get()
    client.get(reverse("exchange:import"))
    assert services.upload_path(job).exists() and services.report_path(job).exists()


@pytest.mark.parametrize("layout", ["new", "existing"])
def test_the_templates_example_row_imports_as_it_stands(world, layout):
    """Issue 13: the instructions sheet carries one filled example row; copied into the data sheet
    as it stands, it passes every check of an import (a wrong example would teach a wrong row)."""
    import io

    from python_calamine import CalamineWorkbook

    from xueji.exchange import layouts, services, workbooks

    chosen = {"new": layouts.NEW_STUDENTS, "existing": layouts.EXISTING_RECORDS}[layout]
    template = template_bytes(chosen)
    grid = (
        CalamineWorkbook.from_filelike(io.BytesIO(template))
        .get_sheet_by_name(workbooks.HELP_SHEET)
        .to_python()
    )
    at = next(i for i, row in enumerate(grid) if "姓名" in row and "身份证件号" in row)
    example = {str(h): v for h, v in zip(grid[at], grid[at + 1], strict=False) if h and v not in ("", None)}
    assert example["身份证件号"].startswith("410503") and example["班级"] == "一年级（1）班"
    job = services.import_job_create(
        actor=world.registrar_a,
        school=world.school_a,
        data=fill(template, [example]),
        original_name="示例.xlsx",
    )
    job = services.import_job_run(job.pk)
    assert (job.state, job.imported, job.invalid) == ("done", 1, 0), (job.message, job.first_errors)

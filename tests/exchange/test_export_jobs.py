"""R21.1: a student export too large to wait for runs as a job — progress page, then the download,
the requester's own, masked and logged like any export, its file deleted after the keeping time."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from tests.conftest import login, on_file
from tests.exchange.test_exports import grid, records, register
from xueji.audit.models import AuditEvent
from xueji.core import identity
from xueji.exchange import export_jobs, exports, selectors
from xueji.exchange.models import ExportJob


@pytest.fixture
def small_inline(settings):
    """Exports of more than two rows become jobs (the job runs inline in tests)."""
    settings.XUEJI = {**settings.XUEJI, "EXPORT_INLINE_MAX_ROWS": 2}
    return settings


def three(world):
    return [
        register(world, name=name, birth=dt.date(2020, 5, day))
        for day, name in ((1, "甲一"), (2, "乙二"), (3, "丙三"))
    ]


def test_r21_1_a_large_export_becomes_a_job_and_downloads_when_done(world, small_inline):
    students = three(world)
    client = login(world.registrar_a)
    response = client.get("/students/export.xlsx", {"layout": "national"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert (job.state, job.total, job.done, job.layout) == ("done", 3, 3, "national")
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "已完成，可以下载" in page and f"/exports/{job.pk}/download.xlsx" in page
    download = client.get(f"/exports/{job.pk}/download.xlsx")
    assert download["Content-Type"] == exports.XLSX_TYPE and download["Cache-Control"] == "no-store"
    rows = records(b"".join(download.streaming_content))
    assert sorted(r["姓名"] for r in rows) == ["丙三", "乙二", "甲一"]
    assert {r["身份证件号"] for r in rows} == {identity.mask_id_number(s.id_number) for s in students}
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-4:] == ["export.request", "export.students", "export.run", "export.download"]


def test_r21_1_a_small_export_still_downloads_at_once(world, small_inline):
    register(world, name="甲一")
    content = login(world.registrar_a).get("/students/export.xlsx", {"layout": "list"})
    assert content["Content-Type"] == exports.XLSX_TYPE
    assert not ExportJob.objects.exists()


def test_r21_1_the_job_exports_exactly_the_search_filters(world, small_inline):
    three(world)
    register(world, name="丁四", birth=dt.date(2020, 5, 9))
    login(world.registrar_a).get("/students/export.xlsx", {"q": "丁", "layout": "list"})  # 1 row: inline
    assert not ExportJob.objects.exists()
    client = login(world.registrar_a)
    client.get("/students/export.xlsx", {"q": "", "grade": "1", "layout": "list"})
    job = ExportJob.objects.get()
    assert job.filters["grade"] == 1 and "一年级" in job.summary
    assert len(grid(b"".join(client.get(f"/exports/{job.pk}/download.xlsx").streaming_content))) == 1 + 4


def test_r2_2_an_export_is_its_requesters_only(world, small_inline):
    three(world)
    login(world.officer).get("/students/export.xlsx", {"layout": "list"})
    job = ExportJob.objects.get()
    for other in (world.registrar_a, world.officer_wf):
        client = login(other)
        assert client.get(f"/exports/{job.pk}/").status_code == 404
        assert client.get(f"/exports/{job.pk}/download.xlsx").status_code == 404
        assert client.get(f"/exports/{job.pk}/status/").status_code == 404
        assert f"/exports/{job.pk}/" not in client.get("/exports/").content.decode()
    assert login(world.officer).get(f"/exports/{job.pk}/download.xlsx").status_code == 200


def test_r21_1_an_expired_export_is_gone_and_says_so(world, small_inline):
    three(world)
    client = login(world.registrar_a)
    client.get("/students/export.xlsx", {"layout": "list"})
    job = ExportJob.objects.get()
    path = export_jobs.export_path(job)
    day_old = time.time() - 25 * 3600
    os.utime(path, (day_old, day_old))
    ExportJob.objects.filter(pk=job.pk).update(finished_at=job.finished_at - dt.timedelta(hours=25))
    response = client.get(f"/exports/{job.pk}/download.xlsx")
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert "文件已过期删除，请重新导出" in client.get(f"/exports/{job.pk}/").content.decode()
    client.get("/students/export.xlsx", {"layout": "list"})  # the next export purges old files
    assert not path.exists()
    assert ExportJob.objects.count() == 2  # the record of who exported what stays


def test_r21_1_a_job_whose_school_left_the_scope_fails_with_a_message(world, small_inline):
    three(world)
    job = export_jobs.export_job_create(
        actor=world.officer, filters=exports.StudentFilters(school=world.school_a), layout="list"
    )
    world.officer.jurisdiction = world.officer_wf.jurisdiction  # moved to another district meanwhile
    world.officer.save()
    job = export_jobs.export_job_run(job.pk)
    assert job.state == "failed" and "不在您的管辖范围内" in job.message
    assert not export_jobs.export_path(job).exists()
    assert selectors.export_job_progress(job)["ready"] is False


def test_a_job_runs_once_and_a_silent_one_shows_as_interrupted(world, small_inline):
    three(world)
    job = export_jobs.export_job_create(
        actor=world.registrar_a, filters=exports.StudentFilters(), layout="list"
    )
    ExportJob.objects.filter(pk=job.pk).update(
        state="running", heartbeat_at=job.created_at - dt.timedelta(minutes=5)
    )
    assert export_jobs.export_job_run(job.pk).state == "running"  # claimed elsewhere: not run again
    status = selectors.export_job_progress(ExportJob.objects.get(pk=job.pk))
    assert (status["state"], status["final"], status["ready"]) == ("interrupted", True, False)
    assert "已中断" in status["state_label"]


def test_r21_1_an_unknown_layout_is_refused_with_a_message(world):
    from xueji.core.errors import RuleViolation

    with pytest.raises(RuleViolation, match="没有这种导出格式"):
        export_jobs.export_job_create(actor=world.registrar_a, filters=exports.StudentFilters(), layout="x")


def test_r21_1_an_export_past_the_sheet_limit_is_refused_before_writing(world, small_inline, monkeypatch):
    three(world)
    monkeypatch.setattr(exports, "MAX_ROWS", 2)  # an Excel sheet holds 1,048,575; three rows here
    login(world.registrar_a).get("/students/export.xlsx", {"layout": "list"})
    job = ExportJob.objects.get()
    assert job.state == "failed" and "上限" in job.message and job.total == 3
    assert list(export_jobs.export_dir().iterdir()) == []  # no partial file with personal data


def test_r21_1_a_sheet_that_fails_midway_leaves_no_temporary_rows(tmp_path, monkeypatch):
    import tempfile
    from io import BytesIO

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def rows():
        yield from ({"name": "张三"}, {"name": "李四"})
        raise RuntimeError("数据库连接中断")

    fields = [exports.Field("姓名", lambda row: row["name"])]
    with pytest.raises(RuntimeError):
        exports.write_sheet(BytesIO(), title="名单", fields=fields, rows=rows())
    assert list(scratch.iterdir()) == []


def test_r21_1_old_files_of_every_kind_are_purged(world, small_inline):
    folder = export_jobs.export_dir()
    day_old = time.time() - 25 * 3600
    for name in ("7.xlsx", "8.xlsx.part", "8.log"):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (day_old, day_old))
    (folder / "9.xlsx").write_bytes(b"fresh")
    login(world.registrar_a).get("/exports/")
    assert sorted(p.name for p in folder.iterdir()) == ["9.xlsx"]


def test_r2_2_a_user_moved_to_another_school_no_longer_sees_old_exports(world, small_inline):
    three(world)
    login(world.registrar_a).get("/students/export.xlsx", {"layout": "list"})
    job = ExportJob.objects.get()
    world.registrar_a.school = world.school_b
    world.registrar_a.save()
    on_file(world.registrar_a)  # R19.1: filed at the new school, so the 404 is the scope's answer
    assert login(world.registrar_a).get(f"/exports/{job.pk}/download.xlsx").status_code == 404


def test_r21_1_a_finished_job_keeps_its_query_masked(world, small_inline):
    students = three(world)
    prefix = students[0].id_number[:12]  # region and birth month: all three students
    login(world.registrar_a).get("/students/export.xlsx", {"q": prefix, "layout": "list"})
    job = ExportJob.objects.get()
    assert job.state == "done" and job.total == 3
    assert prefix not in str(job.filters) and prefix not in job.summary

"""Imports cannot exhaust the machine: at most one running import per school and
``IMPORT_MAX_RUNNING`` in all; the rest wait in turn, their page says so with their place, and the
import that finishes starts the next. A running import that went silent has died and holds no place."""

from __future__ import annotations

import json
import time

from tests.exchange.conftest import child, fill, template_bytes
from xueji.exchange import runner, selectors, services
from xueji.exchange.models import ImportJob


def _job(world, school, registrar, name: str) -> ImportJob:
    data = fill(template_bytes(), [child(name=name)])
    return services.import_job_create(actor=registrar, school=school, data=data, original_name=f"{name}.xlsx")


def _running(job: ImportJob, *, silent: float = 0) -> None:
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    services.progress_path(job.pk).write_text(
        json.dumps({"phase": "validate", "done": 0, "total": 1, "at": time.time() - silent})
    )


def test_a_schools_second_import_waits_for_its_first_and_says_so(world):
    first = _job(world, world.school_a, world.registrar_a, "甲一")
    _running(first)
    second = _job(world, world.school_a, world.registrar_a, "甲二")
    runner.start(second)
    second.refresh_from_db()
    assert second.state == ImportJob.State.QUEUED
    status = selectors.import_job_progress(second)
    assert (
        not status["final"]
        and status["state_label"].startswith("排队等待")
        and "下一个就是本次" in status["state_label"]
    )
    other = _job(world, world.school_c, world.registrar_c, "丙一")  # another school: runs at once
    runner.start(other)
    other.refresh_from_db()
    assert other.state == ImportJob.State.DONE


def test_the_machines_limit_holds_every_other_school_in_turn(world, settings):
    settings.XUEJI = {**settings.XUEJI, "IMPORT_MAX_RUNNING": 1}
    _running(_job(world, world.school_a, world.registrar_a, "甲一"))
    waiting = _job(world, world.school_c, world.registrar_c, "丙一")
    runner.start(waiting)
    waiting.refresh_from_db()
    assert waiting.state == ImportJob.State.QUEUED
    later = _job(world, world.school_c, world.registrar_c, "丙二")
    assert "前面还有 1 个" in selectors.import_job_progress(later)["state_label"]


def test_the_import_that_finishes_starts_the_next_in_turn(world, settings):
    settings.XUEJI = {**settings.XUEJI, "IMPORT_MAX_RUNNING": 1}
    blocker = _job(world, world.school_a, world.registrar_a, "甲一")
    _running(blocker)
    first = _job(world, world.school_c, world.registrar_c, "丙一")
    runner.start(first)
    ImportJob.objects.filter(pk=blocker.pk).update(state=ImportJob.State.QUEUED)  # as if it had ended…
    services.progress_path(blocker.pk).unlink()
    runner.start(blocker)  # …and its process now drains the queue: itself, then 丙一
    states = dict(ImportJob.objects.values_list("original_name", "state"))
    assert states == {"甲一.xlsx": "done", "丙一.xlsx": "done"}


def test_a_silent_running_import_holds_no_place(world):
    dead = _job(world, world.school_a, world.registrar_a, "甲一")
    _running(dead, silent=services.STALE_AFTER_SECONDS + 5)
    fresh = _job(world, world.school_a, world.registrar_a, "甲二")
    runner.start(fresh)
    fresh.refresh_from_db()
    assert fresh.state == ImportJob.State.DONE
    assert selectors.import_job_progress(ImportJob.objects.get(pk=dead.pk))["state"] == "interrupted"


def test_a_running_import_whose_process_is_gone_holds_no_place_at_once(world):
    dead = _job(world, world.school_a, world.registrar_a, "甲一")
    ImportJob.objects.filter(pk=dead.pk).update(state=ImportJob.State.RUNNING)
    progress = {"phase": "write", "done": 1, "total": 2, "at": time.time(), "pid": _ended_pid()}
    services.progress_path(dead.pk).write_text(json.dumps(progress))
    fresh = _job(world, world.school_a, world.registrar_a, "甲二")
    runner.start(fresh)
    fresh.refresh_from_db()
    assert fresh.state == ImportJob.State.DONE


def _ended_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    child.wait()  # reaped: the pid names no process now
    return child.pid

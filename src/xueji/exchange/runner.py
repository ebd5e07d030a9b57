"""Start a job of the spreadsheet exchange: in a process of its own (pages), or right here (tests).

A page's import or large export runs outside the web server so that a 100,000-row workbook keeps
no worker busy and other requests are served meanwhile; a restart of the web server does not stop
it either. If an import process dies, its one transaction dies with it and no row is written; a
dead export leaves only an unfinished file, never offered for download.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from xueji.exchange import export_jobs, services
from xueji.exchange.models import ExportJob, ImportJob


def start(job: ImportJob) -> None:
    if settings.XUEJI["JOB_RUNNER"] == "inline":
        services.import_jobs_drain(job.pk)
        return
    _spawn("run_import", job.pk, services.job_dir() / f"{job.pk}.log")


def start_export(job: ExportJob) -> None:
    if settings.XUEJI["JOB_RUNNER"] == "inline":
        export_jobs.export_job_run(job.pk)
        return
    _spawn("run_export", job.pk, export_jobs.export_dir() / f"{job.pk}.log")


def _spawn(command: str, job_id: int, log_path: Path) -> None:
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    with log:
        subprocess.Popen(  # noqa: S603 - our own command with a job number, no shell
            [sys.executable, "-m", "xueji", command, str(job_id)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not a child of the web worker's session: it outlives a restart
            env=os.environ.copy(),
            close_fds=True,
        )

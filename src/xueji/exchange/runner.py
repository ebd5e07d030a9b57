"""Start an import job: in a process of its own (pages), or right here (tests).

A page's import runs outside the web server so that a 100,000-row workbook keeps no worker busy
and other requests are served meanwhile; a restart of the web server does not stop it either. If
the import process itself dies, its one transaction dies with it and no row is written.
"""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from xueji.exchange import services
from xueji.exchange.models import ImportJob


def start(job: ImportJob) -> None:
    if settings.XUEJI["IMPORT_RUNNER"] == "inline":
        services.import_job_run(job.pk)
        return
    log = open(services.job_dir() / f"{job.pk}.log", "ab")  # noqa: SIM115 - handed to the child
    with log:
        subprocess.Popen(  # noqa: S603 - our own command with a job number, no shell
            [sys.executable, "-m", "xueji", "run_import", str(job.pk)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not a child of the web worker's session: it outlives a restart
            env=os.environ.copy(),
            close_fds=True,
        )

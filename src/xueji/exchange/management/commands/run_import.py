"""Run one queued import job (started by the import page in a process of its own).

This process takes each job whose turn has come and hands its work to a process of its own with a
memory cap (``--claimed``): a workbook that needs more than the cap ends that process, never the
machine, and this one, still standing, writes on the job that it failed and why.
"""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from xueji.exchange import memory, services
from xueji.exchange.models import ImportJob


def _in_capped_process(job_id: int) -> ImportJob:
    subprocess.run(  # noqa: S603 - our own command with a job number, no shell
        [sys.executable, "-m", "xueji", "run_import", "--claimed", str(job_id)],
        stdin=subprocess.DEVNULL,
        check=False,
        close_fds=True,
    )
    return services.import_job_settle(job_id)


class Command(BaseCommand):
    help = "运行一个已上传的导入任务（由导入页面在独立进程中启动）。"

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument(
            "--claimed", action="store_true", help="只执行这一个已开始的任务，并限制本进程的内存（内部使用）"
        )

    def handle(self, *args, job_id: int, claimed: bool, **options):
        if claimed:
            memory.cap(settings.XUEJI["IMPORT_MEMORY_MB"])  # this process runs out, not the machine
            job = services.import_job_execute(job_id)
        else:  # then the queued imports whose turn has come, each in a capped process
            job = services.import_jobs_drain(job_id, execute=_in_capped_process)
        self.stdout.write(f"导入任务 #{job.pk}：{job.get_state_display()}。{job.message}")

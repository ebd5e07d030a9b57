"""The demo seeded once for a test module: on a given day, inside a transaction rolled back when
the module is done, so every module starts from the same empty database."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xueji.demo.seed import SeedReport, seed_demo


@contextlib.contextmanager
def seeded_on(day: dt.date, *, students: int, evidence_dir: Path, blocker: Any) -> Iterator[SeedReport]:
    from django.conf import settings
    from django.db import transaction

    with blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(settings, "XUEJI_FIXED_TODAY", day.isoformat())
                mp.setattr(settings, "EVIDENCE_DIR", evidence_dir)
                report = seed_demo(students=students)
            yield report
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

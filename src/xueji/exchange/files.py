"""Files of the spreadsheet exchange hold personal data (full ID numbers, phones, addresses):
each kind is kept only as long as its users need it, then deleted."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path


def delete_older_than(folder: Path, age: dt.timedelta) -> int:
    """Delete the files of ``folder`` last written more than ``age`` ago; returns how many."""
    cutoff = time.time() - age.total_seconds()
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # deleted meanwhile by another purge
    return removed

"""A cap on the memory an import process may take (issue: imports cannot exhaust the machine).

The reader refuses a workbook whose declared size is too large before reading it; this cap is the
backstop for whatever slips past that check: the process, not the machine, runs out of memory, and
the job ends in a message instead of the kernel killing whatever else runs here.
"""

from __future__ import annotations

import os

try:  # POSIX only; elsewhere an import runs uncapped
    import resource
except ImportError:  # pragma: no cover - not on the servers this runs on
    resource = None  # type: ignore[assignment]


def _virtual_size() -> int:
    """This process's address space now, in bytes (Linux); 0 when it cannot be read."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def cap(headroom_mb: int) -> int | None:
    """Let this process grow by at most ``headroom_mb`` beyond what it holds now (the program
    itself); returns the cap in bytes, or None when the platform has none to set."""
    if resource is None or headroom_mb <= 0:
        return None
    now = _virtual_size()
    if not now:
        return None
    limit = now + headroom_mb * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit

"""Shared by the benchmark scripts: Django setup, the synthetic data set, timing and the result table.

Import this module before anything from Django or xueji: it sets the environment first.
The benchmarks run on PostgreSQL only (DATABASE_URL, default the xueji_bench database).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/xueji_bench"

# The bench settings and URLconf live in bench/, importable as the package "bench".
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("XUEJI_ENV", "demo")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
os.environ.setdefault("XUEJI_DATA_DIR", str(Path(tempfile.gettempdir()) / "xueji-bench"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from xueji.demo.generate import DISTRICTS, generate  # noqa: E402
from xueji.org.models import Jurisdiction, Role, User  # noqa: E402
from xueji.students.models import Enrollment  # noqa: E402

# The data set every benchmark shares: 金水区 alone holds one million students (the dashboard's
# "one officer's scope"), the other eleven districts of 郑州市 another million (the search runs
# as a city-level officer over all two million).
BIG_DISTRICT = "410105"
OTHER_DISTRICTS = [d.code for d in DISTRICTS if d.code != BIG_DISTRICT]
BIG_DISTRICT_STUDENTS = 1_000_000
OTHER_STUDENTS = 1_000_000


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("基准测试需要 PostgreSQL：请设置 DATABASE_URL。(Benchmarks need PostgreSQL.)")


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def students_by_district() -> dict[str, int]:
    rows = (
        Enrollment.objects.filter(is_current=True)
        .values("school__district__code")
        .annotate(n=Count("pk"))
        .values_list("school__district__code", "n")
    )
    return dict(rows)


def ensure_students(*, skip: bool = False) -> dict[str, int]:
    """Generate (gen_demo) whatever the data set still lacks; returns students per district."""
    require_postgresql()
    migrate()
    counts = students_by_district()
    if skip:
        return counts
    missing_big = BIG_DISTRICT_STUDENTS - counts.get(BIG_DISTRICT, 0)
    missing_other = OTHER_STUDENTS - sum(counts.get(code, 0) for code in OTHER_DISTRICTS)
    for missing, districts in ((missing_big, [BIG_DISTRICT]), (missing_other, OTHER_DISTRICTS)):
        if missing > 0:
            say(f"生成 {missing:,} 名合成学生 Generating {missing:,} synthetic students in {districts} …")
            report = generate(students=missing, districts=districts, log=say)
            say(f"  done in {report.seconds:.0f} s")
    if missing_big > 0 or missing_other > 0:
        with (
            connection.cursor() as cursor
        ):  # fresh statistics for the planner, visibility map for index-only scans
            cursor.execute("VACUUM ANALYZE")
        counts = students_by_district()
    return counts


def wait_for_quiet(max_load: float = 1.0, timeout: float = 300) -> float:
    """The machine may be shared: wait (up to ``timeout`` s) for the 1-minute load to drop; returns it."""
    deadline = time.monotonic() + timeout
    load = os.getloadavg()[0]
    if load > max_load:
        say(f"load {load:.2f} > {max_load}: waiting up to {timeout:.0f} s for a quieter machine …")
    while load > max_load and time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    return load


def officer(jurisdiction_code: str) -> User:
    """A district-officer account on the given jurisdiction (a city's code gives a city-wide scope)."""
    jurisdiction = Jurisdiction.objects.get(code=jurisdiction_code)
    user, _ = User.objects.get_or_create(
        username=f"bench_officer_{jurisdiction_code}",
        defaults={"role": Role.DISTRICT_OFFICER, "jurisdiction": jurisdiction, "full_name": "基准测试"},
    )
    return user


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of the samples."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
        "mean": statistics.fmean(samples),
    }


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table (ASCII labels line up in any terminal and in README.md)."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "| "
            + " | ".join(
                c.rjust(w) if n and i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def machine() -> str:
    """CPU model, cores, PostgreSQL version: the line every result table is printed under."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg,) = cursor.fetchone()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{model}, {os.cpu_count()} cores, PostgreSQL {pg}, Python {sys.version.split()[0]}, "
        f"load {load:.2f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, database {settings.DATABASES['default']['NAME']}"
    )

"""Benchmark: the student-detail API (GET /api/v1/students/{id}) under load, on the production server.

The product is served as in production — ``xueji serve`` (gunicorn, gthread workers, persistent
database connections, XUEJI_ENV=production, DEBUG off, collected static files) on loopback — with
the bench URLconf (bench/urls.py), which adds one bare Django view doing one indexed query. Both
run in the same gunicorn workers; wrk drives each in turn with the same connections, the same
bearer header and the same 1,000 student ids. Goal: detail >= 0.5 x the bare view's requests/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench python bench/api_detail.py
        [--duration 15] [--connections 16] [--rounds 2] [--skip-generate] [--profile]

Needs wrk (Debian: apt-get install wrk). --profile adds an in-process cProfile of the detail view.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import _common
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xueji.audit.services import access_record
from xueji.core.management.commands.serve import THREADS, default_workers
from xueji.org.tokens import api_token_issue, api_token_user
from xueji.students import selectors
from xueji.students.api import StudentDetailOut, student_detail

GOAL_RATIO = 0.5
DETAIL = "/api/v1/students/"
BARE = "/bench/bare/"
FLOOR = "/bench/floor/"
ENDPOINTS = ("bare", "floor", "detail")

LUA = """
local ids = {%(ids)s}
local i = 0
local headers = {["Authorization"] = "Bearer %(token)s", ["Accept"] = "application/json"}
request = function()
  i = i %% #ids + 1
  return wrk.format("GET", "%(prefix)s" .. ids[i], headers)
end
"""


def student_ids(n: int) -> list[int]:
    """n students spread over the whole table (every k-th id), all inside the city officer's scope."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM students_student")
        (total,) = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM students_student) s "
            "WHERE r %% %s = 0 LIMIT %s",
            [max(1, total // n), n],
        )
        return [pk for (pk,) in cursor.fetchall()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XUEJI_FIXED_TODAY", "DEBUG")}
    env.update(
        XUEJI_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),  # a fresh one per run: nothing signed outlives it
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(_common.ROOT), env.get("PYTHONPATH", "")])),
        XUEJI_DATA_DIR=str(data_dir),
    )
    return env


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    xueji = [sys.executable, "-m", "xueji"]
    subprocess.run([*xueji, "collectstatic", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    out = log.open("wb")
    # A session of its own: at the end the whole group (gunicorn master and workers) is stopped by id.
    return subprocess.Popen(  # noqa: S603
        [*xueji, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"xueji serve exited with {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit(f"server not ready after {timeout} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wrk(url: str, script: Path, *, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"{m.group(1)} failed requests (server log in {script.parent}):\n{out}")
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for p in ("50", "90", "99"):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        result[f"p{p}"] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return result


def profile(token: str, ids: list[int], n: int = 300) -> str:
    """Where one detail request spends its time: its parts timed in process, then cProfile."""
    user = api_token_user(token)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    student = selectors.student_get(requested_by=user, pk=ids[0])
    school = selectors.current_enrollment(student).school
    detail = student_detail(user, student)
    parts: list[tuple[str, Callable[[int], object]]] = [
        ("whole request: GET /api/v1/students/{id}", lambda pk: client.get(f"{DETAIL}{pk}")),
        ("whole request: bare view", lambda pk: client.get(f"{BARE}{pk}")),
        ("bearer token -> user (org.tokens.api_token_user)", lambda pk: api_token_user(token)),
        ("selectors.student_get (2 queries)", lambda pk: selectors.student_get(requested_by=user, pk=pk)),
        (
            "access_record: audit INSERT + commit (R21.1)",
            lambda pk: access_record(
                actor=user, action="student.view", subject=student, school=school, note="api"
            ),
        ),
        ("student_detail() dict", lambda pk: student_detail(user, student)),
        (
            "StudentDetailOut validate + JSON",
            lambda pk: StudentDetailOut.model_validate(detail).model_dump_json(),
        ),
        ("one SELECT 1 round trip", lambda pk: _select_one()),
    ]
    rows = []
    for label, fn in parts:
        for pk in ids[:20]:
            fn(pk)  # warm caches and imports first
        samples = []
        for pk in (ids * (n // len(ids) + 1))[:n]:
            started = time.perf_counter()
            fn(pk)
            samples.append(time.perf_counter() - started)
        rows.append([label, statistics.median(samples) * 1000, statistics.fmean(samples) * 1000])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{DETAIL}{ids[0]}").status_code == 200  # noqa: S101
    lines = [
        f"In-process timings ({n} calls each; same code, this process's settings):",
        _common.table(["part", "median ms", "mean ms"], rows),
        f"\nqueries per detail request: {len(queries)}",
        *(f"  {q['sql'][:110]}…" for q in queries),
    ]
    profiler = cProfile.Profile()
    profiler.enable()
    for pk in (ids * (n // len(ids) + 1))[:n]:
        client.get(f"{DETAIL}{pk}")
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    return "\n".join(lines) + "\n\ncProfile, detail requests, by own time:\n" + text.getvalue()


def _select_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="measurement rounds (bare, floor, detail each)")
    parser.add_argument("--skip-generate", action="store_true", help="use the data as it is")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-minute load below this")
    parser.add_argument("--wait", type=float, default=300, help="longest wait for that, seconds (0: no wait)")
    parser.add_argument("--profile", action="store_true", help="cProfile the detail view in process")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    _common.ensure_students(skip=args.skip_generate)
    _common.wait_for_quiet(args.max_load, args.wait)
    user = _common.officer("410100")
    token, _ = api_token_issue(user=user)
    ids = student_ids(1000)
    workdir = Path(tempfile.mkdtemp(prefix="xueji-api-bench-"))
    scripts = {}
    for name, prefix in (("bare", BARE), ("floor", FLOOR), ("detail", DETAIL)):
        scripts[name] = workdir / f"{name}.lua"
        scripts[name].write_text(LUA % {"ids": ",".join(map(str, ids)), "token": token, "prefix": prefix})

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(os.environ["XUEJI_DATA_DIR"])
    server = start_server(port, server_env(data_dir), workdir / "server.log")
    results: dict[str, list[dict[str, float]]] = {name: [] for name in ENDPOINTS}
    try:
        wait_ready(f"{base}{BARE}{ids[0]}", server)
        for name in ENDPOINTS:  # warm-up: every worker connects and imports everything
            wrk(base, scripts[name], duration=5, connections=args.connections)
        for _ in range(args.rounds):
            for name in ENDPOINTS:
                results[name].append(
                    wrk(base, scripts[name], duration=args.duration, connections=args.connections)
                )
    finally:
        stop_server(server)

    def mean(name: str, key: str) -> float:
        return sum(r[key] for r in results[name]) / len(results[name])

    bare, floor, detail = mean("bare", "rps"), mean("floor", "rps"), mean("detail", "rps")
    print(
        f"\nbench/api_detail.py — xueji serve (gunicorn, {default_workers()} workers x {THREADS} threads), wrk -t1 "
        f"-c{args.connections}, {args.rounds} x {args.duration} s each, 1,000 students rotating"
    )
    print(_common.machine() + "\n")
    print(
        _common.table(
            [
                "endpoint",
                "requests/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "ratio to bare",
                f"goal >= {GOAL_RATIO}",
            ],
            [
                [
                    "bare view (1 indexed query)",
                    bare,
                    mean("bare", "p50"),
                    mean("bare", "p90"),
                    mean("bare", "p99"),
                    "1.00",
                    "",
                ],
                [
                    "floor (the detail's 4 statements, raw SQL)",
                    floor,
                    mean("floor", "p50"),
                    mean("floor", "p90"),
                    mean("floor", "p99"),
                    f"{floor / bare:.2f}",
                    "yes" if floor / bare >= GOAL_RATIO else "NO",
                ],
                [
                    "GET /api/v1/students/{id}",
                    detail,
                    mean("detail", "p50"),
                    mean("detail", "p90"),
                    mean("detail", "p99"),
                    f"{detail / bare:.2f}",
                    "yes" if detail / bare >= GOAL_RATIO else "NO",
                ],
            ],
        )
    )
    if args.profile:
        print("\n" + profile(token, ids))
    shutil.rmtree(workdir, ignore_errors=True)  # kept only when a run fails: the server log is there


if __name__ == "__main__":
    main()

"""The audit log made tamper-evident without serialising every write (R2.3, R21.1, 等保).

Writers append rows as before. Now and then (``xueji daily``, ``xueji audit seal``) the rows
committed since the last seal and older than ``SEAL_MARGIN`` — so a transaction still open cannot
commit a lower id into a sealed range — are sealed: the SHA-256 of each row's content in id order,
chained to the previous seal. ``seals_verify`` recomputes every seal and reports, in words, a row
changed, removed or added inside a sealed range, and a broken chain; compared with the newest
digest printed to the daily log (``--expect``), it also finds the newest seal removed or rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from xueji.audit.models import AuditEvent, AuditSeal
from xueji.core import clock

SEAL_MARGIN = dt.timedelta(minutes=30)
BATCH = 5000
_FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "school_id",
    "district_code",
    "changes",
    "rules",
    "note",
)


def row_digest(row: dict[str, Any]) -> str:
    """A row's content, canonical: the same bytes on SQLite and PostgreSQL."""
    body = {k: row[k] for k in _FIELDS}
    body["at"] = row["at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _rows(first_id: int, last_id: int) -> Iterator[dict[str, Any]]:
    """Rows first_id..last_id in id order, read in batches (a day may hold a million)."""
    after = first_id - 1
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=after, id__lte=last_id).order_by("id").values(*_FIELDS)[:BATCH]
        )
        if not batch:
            return
        yield from batch
        after = batch[-1]["id"]


def _range_digest(first_id: int, last_id: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for row in _rows(first_id, last_id):
        digest.update(row_digest(row).encode())
        count += 1
    return count, digest.hexdigest()


def _seal_digest(first_id: int, last_id: int, rows: int, rows_sha256: str, previous: str) -> str:
    return hashlib.sha256(f"{previous}|{first_id}|{last_id}|{rows}|{rows_sha256}".encode()).hexdigest()


@transaction.atomic
def audit_seal(*, now: dt.datetime | None = None) -> AuditSeal | None:
    """Seal the rows committed since the last seal (older than the margin); None if there are none."""
    last = AuditSeal.objects.select_for_update().order_by("-last_id").first()
    start = (last.last_id + 1) if last else 1
    cutoff = (now or clock.now()) - SEAL_MARGIN
    end = AuditEvent.objects.filter(id__gte=start, at__lt=cutoff).aggregate(m=Max("id"))["m"]
    if end is None:
        return None
    rows, rows_sha256 = _range_digest(start, end)
    previous = last.sha256 if last else ""
    return AuditSeal.objects.create(
        first_id=start,
        last_id=end,
        rows=rows,
        rows_sha256=rows_sha256,
        previous_sha256=previous,
        sha256=_seal_digest(start, end, rows, rows_sha256, previous),
    )


@dataclass
class Verification:
    seals: int = 0
    rows: int = 0
    newest: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def seals_verify(*, expect: str = "") -> Verification:
    """Recompute every seal in order; ``expect``: the newest digest as last printed elsewhere."""
    result = Verification()
    previous = ""
    expected_first = 1
    for seal in AuditSeal.objects.order_by("last_id"):
        result.seals += 1
        where = f"第 {seal.first_id}–{seal.last_id} 条（{seal.sealed_at:%Y-%m-%d %H:%M} 封存）"
        if seal.previous_sha256 != previous or seal.first_id != expected_first:
            result.problems.append(f"{where}：与上一封存衔接不上，封存记录被删除或改动。")
        rows, rows_sha256 = _range_digest(seal.first_id, seal.last_id)
        result.rows += rows
        if rows != seal.rows:
            more = "多" if rows > seal.rows else "少"
            result.problems.append(
                f"{where}：现有 {rows} 条，封存时 {seal.rows} 条，{more}了 {abs(rows - seal.rows)} 条。"
            )
        elif rows_sha256 != seal.rows_sha256:
            result.problems.append(f"{where}：有记录的内容在封存后被改动。")
        if (
            _seal_digest(seal.first_id, seal.last_id, seal.rows, seal.rows_sha256, seal.previous_sha256)
            != seal.sha256
        ):
            result.problems.append(f"{where}：封存记录本身被改动。")
        previous, expected_first = seal.sha256, seal.last_id + 1
    result.newest = previous
    if expect and expect != previous:
        result.problems.append(
            f"最新封存摘要是 {previous[:16] or '（无）'}…，与日志中打印的 {expect[:16]}… 不一致：最近的封存被删除或改写。"
        )
    return result

"""Evidence files (佐证材料): content checks and storage outside the web root (R6.1).

Only PDF, JPEG and PNG are accepted, recognised by their first bytes rather than by the name or the
browser's content type, which a renamed file would fake. Files are stored under random names in
settings.EVIDENCE_DIR and leave the system only through a scoped download view.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.http import FileResponse, Http404

from xueji.core.errors import RuleViolation

logger = logging.getLogger(__name__)

MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


@dataclass(frozen=True)
class StoredFile:
    storage_name: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(settings.XUEJI["EVIDENCE_MAX_BYTES"])


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, suffix in MAGIC:
        if head.startswith(magic):
            return content_type, suffix
    return None


def read_checked(stream: IO[bytes]) -> tuple[bytes, str, str]:
    """Read an upload, refusing what is too large, empty or not a PDF/JPEG/PNG by its content."""
    limit = max_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise RuleViolation(
            rule="R6.1",
            code="evidence_too_large",
            field="file",
            message=f"文件超过 {limit // (1024 * 1024)} MB，请压缩或分页扫描后再上传。",
        )
    if not data:
        raise RuleViolation(
            rule="R6.1", code="evidence_empty", field="file", message="文件为空，请重新选择文件。"
        )
    kind = sniff(data[:16])
    if kind is None:
        raise RuleViolation(
            rule="R6.1",
            code="evidence_type",
            field="file",
            message="只接受 PDF、JPEG 或 PNG 格式的扫描件或照片（按文件内容识别，改扩展名无效）。",
        )
    return data, kind[0], kind[1]


def store(stream: IO[bytes]) -> StoredFile:
    data, content_type, suffix = read_checked(stream)
    storage_name = secrets.token_hex(16) + suffix
    path = path_of(storage_name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written before the database row: a rolled-back row leaves an unreferenced file, never a row
    # without its file. Readable by the server's own account only (R21.1).
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        fh.write(data)
    return StoredFile(storage_name, content_type, len(data), hashlib.sha256(data).hexdigest())


def path_of(storage_name: str) -> Path:
    if not storage_name or "/" in storage_name or storage_name.startswith("."):
        raise ValueError("bad storage name")
    return Path(settings.EVIDENCE_DIR) / storage_name[:2] / storage_name


def file_response(item: Any, *, inline: bool = False) -> FileResponse:
    """Send a stored evidence file (a student's Evidence or a CaseDocument) to its scoped reader.

    An attachment by default; the browser may never sniff it as another type. A file missing from
    storage is logged and answered 404, like an object the reader may not see.
    """
    try:
        handle = path_of(item.storage_name).open("rb")
    except (OSError, ValueError) as exc:
        logger.error("evidence file %s of %s %s is missing", item.storage_name, type(item).__name__, item.pk)
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=not inline, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

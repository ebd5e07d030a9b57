"""Backups that can be trusted (R21.1, 等保: data backup and recovery): the database and the evidence
files in one encrypted file, with a manifest of what they held, and a drill that proves a backup
restores.

- ``backup_write``: a consistent copy of the database (PostgreSQL: ``pg_dump`` of the snapshot the
  row counts are taken in; SQLite: the online backup API, counted from the copy) and every evidence
  file, listed with its SHA-256; the tar is encrypted (AES-256-GCM, in authenticated 1 MiB frames)
  with a key kept in a file apart from the backups.
- ``backup_verify``: decrypts (a changed byte or a wrong key is refused), restores the database into
  a scratch database (PostgreSQL: a new database, dropped afterwards; SQLite: a file), counts every
  table and hashes every evidence file, and compares both with the manifest.
- ``backup_extract``: decrypts and unpacks, for a real restore (README: 备份与恢复).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess  # nosec B404 - pg_dump and pg_restore, our own arguments
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

MAGIC = b"XUEJIBK1"
FRAME = 1024 * 1024
MANIFEST = "manifest.json"
DUMP = "database.dump"  # PostgreSQL, pg_dump's custom format
SQLITE = "database.sqlite3"


class BackupError(Exception):
    """A backup that cannot be written, read or trusted; the message says why in words."""


# --------------------------------------------------------------------------- the key


def key_create(path: Path) -> None:
    """A new random key in ``path`` (0600), refusing to overwrite one: a lost key loses every backup."""
    if path.exists():
        raise BackupError(f"密钥文件 {path} 已存在：不覆盖（丢失旧密钥就无法恢复用它加密的备份）。")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")


def key_read(path: Path) -> bytes:
    try:
        text = path.read_text().strip()
        key = bytes.fromhex(text)
    except FileNotFoundError:
        raise BackupError(
            f"找不到密钥文件 {path}：请用 xueji backup --new-key {path} 生成，并与备份分开保存。"
        ) from None
    except ValueError:
        raise BackupError(f"密钥文件 {path} 的内容不是 xueji 生成的密钥。") from None
    if len(key) != 32:
        raise BackupError(f"密钥文件 {path} 的内容不是 xueji 生成的密钥。")
    return key


# --------------------------------------------------------------------------- encryption


def _encrypt(source: IO[bytes], out: IO[bytes], key: bytes) -> None:
    aead, prefix = AESGCM(key), secrets.token_bytes(8)
    out.write(MAGIC + prefix)
    index, chunk = 0, source.read(FRAME)
    while True:
        following = source.read(FRAME)
        final = not following
        sealed = aead.encrypt(prefix + struct.pack(">I", index), chunk, struct.pack(">Q?", index, final))
        out.write(struct.pack(">I", len(sealed)) + sealed)
        if final:
            return
        index, chunk = index + 1, following


def _decrypt(source: IO[bytes], out: IO[bytes], key: bytes) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("这不是 xueji 的备份文件。")
    aead, prefix, index = AESGCM(key), source.read(8), 0
    while True:
        head = source.read(4)
        if len(head) < 4:
            raise BackupError("备份文件不完整（被截断）：请换一份备份。")
        (length,) = struct.unpack(">I", head)
        sealed = source.read(length)
        nonce = prefix + struct.pack(">I", index)
        for final in (False, True):
            try:
                out.write(aead.decrypt(nonce, sealed, struct.pack(">Q?", index, final)))
            except InvalidTag:
                continue
            break
        else:
            raise BackupError("备份文件已被改动或损坏，或密钥不是加密它的那把：无法解密。")
        if final:
            if source.read(1):
                raise BackupError("备份文件末尾有多余内容：文件已被改动。")
            return
        index += 1


# --------------------------------------------------------------------------- writing


@dataclass
class Manifest:
    created_at: str
    vendor: str
    tables: dict[str, int]
    evidence: dict[str, str] = field(default_factory=dict)


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def _count(cursor: Any, tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608  # nosec B608
        counts[table] = cursor.fetchone()[0]
    return counts


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：postgresql-client）。")
    return found


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    return args, env


def _database(work: Path) -> tuple[str, dict[str, int]]:
    """The database's consistent copy in ``work`` and its row counts, taken of the same state."""
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = _tables()
            counts = _count(cursor, tables)
            # pg_dump reads the very snapshot the counts were taken in, while it is held open.
            done = subprocess.run(  # noqa: S603  # nosec B603
                [_tool("pg_dump"), *args, "--format=custom", f"--snapshot={snapshot}", "--file", str(work / DUMP),
                 str(settings.DATABASES["default"]["NAME"])],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
        if done.returncode:
            raise BackupError(f"pg_dump 失败：{done.stderr.strip()[:300]}")
        return DUMP, counts
    if connection.vendor == "sqlite":
        target = work / SQLITE
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # the online backup: a consistent copy while in use
        with sqlite3.connect(target) as copy:
            counts = _count(copy.cursor(), _tables())
        return SQLITE, counts
    raise BackupError(f"不支持的数据库：{connection.vendor}")


def _evidence_files() -> Iterator[tuple[str, Path]]:
    root = Path(settings.EVIDENCE_DIR)
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix(), path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(FRAME), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_write(out_path: Path, key_path: Path) -> Manifest:
    """Write an encrypted backup to ``out_path`` (0600); returns its manifest."""
    key = key_read(key_path)
    with tempfile.TemporaryDirectory(prefix="xueji-backup-") as temp:
        work = Path(temp)
        name, counts = _database(work)
        manifest = Manifest(
            created_at=timezone.now().isoformat(timespec="seconds"), vendor=connection.vendor, tables=counts
        )
        plain = work / "backup.tar"
        with tarfile.open(plain, "w") as tar:
            tar.add(work / name, arcname=name)
            for relative, path in _evidence_files():
                manifest.evidence[relative] = _sha256(path)
                tar.add(path, arcname=f"evidence/{relative}")
            body = json.dumps(manifest.__dict__, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        partial = out_path.with_name(out_path.name + ".part")
        with (
            plain.open("rb") as source,
            open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out,
        ):
            _encrypt(source, out, key)
        partial.replace(out_path)  # never a half-written backup under the final name
    return manifest


# --------------------------------------------------------------------------- reading


def backup_extract(backup_path: Path, key_path: Path, into: Path) -> Manifest:
    """Decrypt and unpack a backup into ``into`` (created 0700); returns its manifest."""
    key = key_read(key_path)
    into.mkdir(mode=0o700, parents=True, exist_ok=True)
    plain = into / "backup.tar"
    with backup_path.open("rb") as source, plain.open("wb") as out:
        _decrypt(source, out, key)
    with tarfile.open(plain) as tar:
        tar.extractall(into, filter="data")  # refuses absolute paths and links out of ``into``
    plain.unlink()
    try:
        data = json.loads((into / MANIFEST).read_text())
    except (FileNotFoundError, ValueError):
        raise BackupError("备份中没有清单（manifest.json）：不是完整的 xueji 备份。") from None
    return Manifest(**data)


@dataclass
class Verified:
    manifest: Manifest
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def backup_verify(backup_path: Path, key_path: Path) -> Verified:
    """The restore drill: restore into a scratch database and compare everything with the manifest."""
    with tempfile.TemporaryDirectory(prefix="xueji-restore-") as temp:
        work = Path(temp)
        manifest = backup_extract(backup_path, key_path, work)
        problems = _compare_counts(manifest.tables, _restored_counts(manifest, work))
        for relative, digest in manifest.evidence.items():
            path = work / "evidence" / relative
            if not path.is_file():
                problems.append(f"材料文件 {relative} 不在备份中。")
            elif _sha256(path) != digest:
                problems.append(f"材料文件 {relative} 的校验值与清单不符。")
        return Verified(manifest, problems)


def _restored_counts(manifest: Manifest, work: Path) -> dict[str, int]:
    if manifest.vendor == "sqlite":
        with sqlite3.connect(work / SQLITE) as restored:
            return _count(restored.cursor(), list(manifest.tables))
    if manifest.vendor == "postgresql":
        return _pg_scratch_counts(manifest, work / DUMP)
    raise BackupError(f"备份来自不支持的数据库：{manifest.vendor}")


def _pg_scratch_counts(manifest: Manifest, dump: Path) -> dict[str, int]:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    args, env = _pg_env()
    db = settings.DATABASES["default"]
    scratch = f"xueji_restore_drill_{timezone.now():%Y%m%d%H%M%S}_{secrets.token_hex(3)}"

    def conninfo(name: str) -> str:
        return make_conninfo(
            dbname=name,
            host=str(db.get("HOST") or "127.0.0.1"),
            port=str(db.get("PORT") or 5432),
            user=str(db.get("USER") or ""),
            password=str(db.get("PASSWORD") or ""),
        )

    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        done = subprocess.run(  # noqa: S603  # nosec B603
            [_tool("pg_restore"), *args, "--no-owner", "--exit-on-error", "--dbname", scratch, str(dump)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise BackupError(f"pg_restore 失败：{done.stderr.strip()[:300]}")
        with psycopg.connect(conninfo(scratch)) as restored, restored.cursor() as cursor:
            counts = {}
            for table in manifest.tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                row = cursor.fetchone()
                counts[table] = row[0] if row else 0
            return counts
    finally:
        with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))


def _compare_counts(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    return [
        f"数据表 {table}：清单 {count} 条，恢复后 {found.get(table, 0)} 条。"
        for table, count in expected.items()
        if found.get(table, 0) != count
    ]

"""等保, R21.1: a backup holds the database and the evidence files, encrypted with a key kept apart,
with a manifest of what it held; the restore drill restores it into a scratch database and finds
every table's count and every file's checksum as listed; a changed byte, a wrong key or a cut file
is refused in words."""

from __future__ import annotations

import io
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.exchange.test_exports import register
from tests.factories import household_proof
from xueji.core import backup

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and SQLite's backup read what is committed


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "keys" / "backup.key"
    backup.key_create(path)
    return path


@pytest.fixture
def made(world, key, tmp_path):
    student = register(world, name="王小明")
    household_proof(student)
    out = tmp_path / "xueji.xjbk"
    manifest = backup.backup_write(out, key)
    return out, manifest, student


def test_the_key_is_private_and_never_overwritten(key):
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with pytest.raises(backup.BackupError, match="不覆盖"):
        backup.key_create(key)


def test_a_backup_is_encrypted_private_and_restores_as_listed(made, key):
    out, manifest, student = made
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = out.read_bytes()
    assert (
        student.name.encode() not in data and b"%PDF" not in data and student.id_number.encode() not in data
    )
    assert manifest.tables["students_student"] == 1 and len(manifest.evidence) == 1
    result = backup.backup_verify(out, key)
    assert result.intact, result.problems
    assert result.manifest.tables == manifest.tables


def test_a_changed_byte_a_wrong_key_or_a_cut_file_is_refused(made, key, tmp_path):
    out, _, _ = made
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed = tmp_path / "changed.xjbk"
    changed.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="已被改动或损坏"):
        backup.backup_verify(changed, key)
    other = tmp_path / "other.key"
    backup.key_create(other)
    with pytest.raises(backup.BackupError, match="密钥不是加密它的那把"):
        backup.backup_verify(out, other)
    cut = tmp_path / "cut.xjbk"
    cut.write_bytes(out.read_bytes()[:-20])
    with pytest.raises(backup.BackupError):
        backup.backup_verify(cut, key)


def test_counts_that_differ_are_named():
    assert backup._compare_counts(
        {"students_student": 3, "org_school": 2}, {"students_student": 2, "org_school": 2}
    ) == ["数据表 students_student：清单 3 条，恢复后 2 条。"]


def test_the_commands_back_up_drill_and_extract(world, tmp_path):
    household_proof(register(world, name="王小明"))
    key, out = tmp_path / "k" / "backup.key", tmp_path / "b.xjbk"
    said = io.StringIO()
    call_command("backup", "--new-key", str(key), stdout=said)
    call_command("backup", "--key", str(key), "--out", str(out), stdout=said)
    call_command("restore", str(out), "--key", str(key), "--verify", stdout=said)
    call_command("restore", str(out), "--key", str(key), "--extract", str(tmp_path / "x"), stdout=said)
    text = said.getvalue()
    assert "已生成备份密钥" in text and "已备份到" in text and "恢复演练通过" in text and "已解开到" in text
    assert (tmp_path / "x" / "manifest.json").exists() and list((tmp_path / "x" / "evidence").rglob("*.pdf"))
    with pytest.raises(CommandError, match="找不到密钥文件"):
        call_command("restore", str(out), "--key", str(tmp_path / "none.key"), "--verify")

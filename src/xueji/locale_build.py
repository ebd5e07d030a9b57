"""Compile ``locale/*/LC_MESSAGES/django.po`` to ``django.mo`` without GNU gettext (a fresh machine
has only Python): ``python -m xueji.locale_build``. The .mo files are committed; a test checks
that each still says what its .po says."""

from __future__ import annotations

import ast
import struct
from pathlib import Path

LOCALE = Path(__file__).with_name("locale")


def read_po(path: Path) -> dict[str, str]:
    """msgid → msgstr of a simple .po (no plurals, no contexts), the header included."""
    entries: dict[str, str] = {}
    key: str | None = None
    field = ""
    parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}

    def flush() -> None:
        if parts["msgid"] or parts["msgstr"]:
            entries["".join(parts["msgid"])] = "".join(parts["msgstr"])
        parts["msgid"], parts["msgstr"] = [], []

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            field, line = "msgid", line[6:]
        elif line.startswith("msgstr "):
            field, line = "msgstr", line[7:]
        parts[field].append(ast.literal_eval(line))
        key = field
    flush()
    del key
    return entries


def mo_bytes(entries: dict[str, str]) -> bytes:
    """The GNU .mo format: a header, two tables of (length, offset), then the strings."""
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    start = 7 * 4 + 16 * len(keys)
    offsets, blob = [], b""
    for data in ids + strs:
        offsets.append((len(data), start + len(blob)))
        blob += data + b"\0"
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    tables = b"".join(struct.pack("ii", n, off) for n, off in offsets)
    return header + tables + blob


def main() -> None:
    for po in LOCALE.glob("*/LC_MESSAGES/*.po"):
        po.with_suffix(".mo").write_bytes(mo_bytes(read_po(po)))
        print(po.with_suffix(".mo"))


if __name__ == "__main__":
    main()

"""What an audit row may hold of a person: masked ID numbers and phones, never the full values (R21.1).

The audit log is read by auditors and kept for years, so it must not become a second register of
every child's ID number. Every row is masked as it is written (``audit.services``), and the
0004 migration masked the rows written before. Two nets, because a value can arrive either way:
- by key: a change of a field whose name says it holds a document number or a phone;
- by shape: an 18-character ID number (or a G/L/J 学籍号 built on one) or an 11-digit mobile number
  anywhere in a text, such as a note that quotes a refusal.
"""

from __future__ import annotations

import re
from typing import Any

from xueji.core.identity import mask_id_number, mask_phone, mask_xjh

# An ID number or a 学籍号 standing alone: 17 digits and a check character, perhaps after G/L/J.
_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])([GLJ]?\d{17}[0-9Xx])(?![0-9A-Za-z])")
# A mainland mobile number standing alone.
_PHONE_SHAPE = re.compile(r"(?<![0-9])(1[3-9]\d{9})(?![0-9])")
_NUMBER_KEYS = ("id_number",)
_PHONE_KEYS = ("phone",)


def mask_text(text: str) -> str:
    """``text`` with every ID number, 学籍号 and mobile number in it masked."""
    if not any(ch.isdigit() for ch in text):
        return text  # most notes and values: no work
    text = _ID_SHAPE.sub(lambda m: mask_xjh(m.group(1).upper()), text)
    return _PHONE_SHAPE.sub(lambda m: mask_phone(m.group(1)), text)


def mask_value(value: Any, key: str = "") -> Any:
    """A JSON value as the audit row keeps it: walked through, each string masked by its key and shape."""
    if isinstance(value, str):
        lowered = key.lower()
        if value and any(part in lowered for part in _NUMBER_KEYS):
            return value if "*" in value else mask_id_number(value)
        if value and any(part in lowered for part in _PHONE_KEYS):
            return value if "*" in value else mask_phone(value)
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v, key) for v in value]
    return value

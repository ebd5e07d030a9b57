"""Template filters every page may use (registered as builtins in settings)."""

from typing import Any

from django import template

from xueji.core import identity
from xueji.core.pagination import page_numbers

register = template.Library()


@register.filter
def mask_id(value: str | None) -> str:
    """R21.1: ID numbers and 学籍号 in lists show only their ends."""
    if value and len(value) == 19 and value[0] in "GLJ":
        return identity.mask_xjh(value)
    return identity.mask_id_number(value)


@register.filter
def mask_phone(value: str | None) -> str:
    return identity.mask_phone(value)


@register.filter
def mask_if_id(value: object) -> object:
    """Mask a value only when it looks like an ID number or 学籍号 (audit pages show mixed values)."""
    text = str(value) if value is not None else ""
    if identity.XJH_RE.match(text) or (len(text) == 18 and text[:17].isdigit()):
        return mask_id(text)
    return value


# A kept copy written before values were stored as people read them holds Python's own words.
_READABLE = {"True": "是", "False": "否", "None": ""}


@register.filter
def readable(value: object) -> object:
    """是/否 for a yes-or-no, never True/False (old read-only copies stored them so)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return _READABLE.get(value, value) if isinstance(value, str) else value


@register.filter(name="page_numbers")
def page_numbers_filter(page: Any) -> list[int | None]:
    """``page|page_numbers``: 1 … 4 5 [6] 7 8 … 15 (core.pagination.page_numbers)."""
    return page_numbers(page)


@register.filter
def get_item(mapping: object, key: str) -> object:
    """``row|get_item:"semester"``: a value of a mapping whose keys a declaration names."""
    return mapping.get(key) if isinstance(mapping, dict) else None

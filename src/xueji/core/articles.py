"""The measures' articles as people cite them: rule ids (RULES.md, R6.3) are the code's; a
registrar knows 《办法》第六条. A rule's id begins with its article's number."""

from __future__ import annotations

from collections.abc import Iterable

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals, as the measures number their articles: 十一, 二十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def article_number(rule: str) -> int | None:
    head = rule.lstrip("R").split(".", 1)[0]
    return int(head) if head.isdecimal() and 0 < int(head) < 100 else None


def articles(rules: Iterable[str]) -> str:
    """["R2.3", "R21.1"] → "第二条、第二十一条" (each article once, in order)."""
    numbers = sorted({n for rule in rules if (n := article_number(rule)) is not None})
    return "、".join(f"第{chinese_number(n)}条" for n in numbers)


def cited(message: str, rule: str) -> str:
    """A refusal as a person reads it: the message, then the article it rests on in words
    (依据《办法》第六条) — unless the message already names that article."""
    n = article_number(rule)
    if n is None:
        return message
    article = f"第{chinese_number(n)}条"
    if article in message:
        return message
    return f"{message}（依据《办法》{article}）"

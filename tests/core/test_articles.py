"""Refusals cite the measures' article in words a registrar knows, never the rule's code."""

from __future__ import annotations

import pytest

from xueji.core.articles import articles, chinese_number, cited
from xueji.core.errors import RuleViolation


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "一"), (6, "六"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (24, "二十四")],
)
def test_article_numbers_read_as_the_measures_number_them(n, words):
    assert chinese_number(n) == words


def test_a_refusal_cites_its_article_once_in_words():
    refusal = RuleViolation(rule="R6.3", message="身份证件号校验位不正确，请核对后重新输入。")
    assert refusal.for_people == "身份证件号校验位不正确，请核对后重新输入。（依据《办法》第六条）"
    assert "R6.3" not in refusal.for_people
    already = RuleViolation(rule="R9.1", message="更改须经学校审核后生效（第九条）。")
    assert already.for_people == already.message  # not cited twice
    assert RuleViolation(rule="", message="格式不对").for_people == "格式不对"


def test_rows_cite_each_article_once_in_order():
    assert articles(["R21.1", "R2.3", "R2.1"]) == "第二条、第二十一条"
    assert cited("x", "R12.4") == "x（依据《办法》第十二条）"


def test_a_kept_copy_reads_yes_and_no_never_true_and_false():
    from xueji.core.templatetags.xueji import readable

    assert [readable(v) for v in ("True", "False", True, False, "None", "汉族", 3)] == [
        "是",
        "否",
        "是",
        "否",
        "",
        "汉族",
        3,
    ]

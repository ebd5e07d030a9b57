"""R21.1: pages run scripts and apply styles from our own static files only (Content-Security-
Policy), so no template may hold an inline script, a style attribute, an event handler or a
javascript: link — the browser would refuse them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import login

TEMPLATES = sorted(Path("src/xueji").rglob("*.html"))
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style attribute": re.compile(r"\sstyle=", re.I),
    "event handler": re.compile(r"\son[a-z]+=", re.I),
    "javascript: link": re.compile(r"javascript:", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to("src/xueji")))
def test_r21_1_no_template_needs_inline_code(path):
    text = path.read_text()
    found = [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{path}: {found}"


def test_r21_1_every_page_says_our_scripts_and_styles_only(world):
    answer = login(world.registrar_a).get("/")
    policy = answer["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy
    assert "Content-Security-Policy" in login(world.registrar_a).get("/no-such-page/")


def test_r21_1_the_admin_keeps_its_inline_styles_and_nothing_else(world):
    policy = login(world.admin).get("/admin/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy + ";"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to("src/xueji")))
def test_no_template_comment_spans_lines(path):
    """Django ends a {# #} comment at the line's end: a longer one is printed on the page."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        assert "{#" not in line or "#}" in line[line.index("{#") :], f"{path}:{number}"

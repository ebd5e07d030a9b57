"""The checklist itself: each check fails on a page made to break it, and says where (decision 0021)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.checklist import DESKTOP, OVERFLOW, PHONE, KnownFaults, check_page
from tests.browser.conftest import Browser
from xueji.audit import actions

ID = "410503201804010017"


def page(body: str) -> str:
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>测试页</title></head>'
        f"<body><main><h1>测试页</h1>{body}</main></body></html>"
    )
    return "data:text/html;charset=utf-8," + quote(html)


@pytest.fixture
def tab(chromium, request):
    """A browser on made-up pages only: no server, no database."""
    return Browser(chromium, "http://127.0.0.1:9", request.node.name)


def test_a_plain_page_passes_at_both_widths(tab):
    for width in (DESKTOP, PHONE):
        report = check_page(
            tab, page(f"<p>学籍号 G{ID[:6]}********{ID[-4:]}</p>"), width=width, label="plain"
        )
        assert report.overflow["scrollWidth"] <= width and report.violations == []


def test_sideways_scrolling_names_the_box_where_it_starts(tab):
    wide = page('<div class="card"><table id="wide" style="width:600px"><tr><td>甲</td></tr></table></div>')
    check_page(tab, wide, width=DESKTOP, label="wide")
    with pytest.raises(AssertionError) as failed:
        check_page(tab, wide, width=PHONE, label="wide")
    message = str(failed.value)
    assert "sideways scrolling: page is 608 px wide in a 360 px window" in message
    assert "div.card > table#wide" in message and "tbody" not in message


def test_sideways_scrolling_by_text_alone_is_found(tab):
    nowrap = page('<p id="long" style="white-space:nowrap;width:100px">' + "很长的一行文字" * 12 + "</p>")
    with pytest.raises(AssertionError, match=r"text in main > p#long"):
        check_page(tab, nowrap, width=PHONE, label="nowrap")


def test_axe_serious_and_critical_violations_fail_with_rule_target_and_help(tab):
    faint = page('<p style="color:#bbb">浅色文字</p><img src="x.png">')
    with pytest.raises(AssertionError) as failed:
        check_page(tab, faint, width=DESKTOP, label="faint")
    message = str(failed.value)
    assert "[serious] color-contrast" in message and "contrast of 1.91 (foreground color: #bbbbbb" in message
    assert "[critical] image-alt" in message and "Images must have alternative text" in message


def test_a_full_id_number_on_the_page_fails_unless_allowed(tab):
    full = page(f"<p>身份证号 {ID}</p><p>学籍号 G{ID}</p>")
    with pytest.raises(AssertionError, match=f"full ID number\\(s\\) on the page: {ID}"):
        check_page(tab, full, width=PHONE, label="full-id")
    check_page(tab, full, width=PHONE, full_ids=True, label="full-id-allowed")


def test_a_full_id_number_in_a_form_field_counts_too(tab):
    form = page(f'<label for="q">查询</label><input id="q" type="text" value="{ID}">')
    with pytest.raises(AssertionError, match="full ID number"):
        check_page(tab, form, width=DESKTOP, label="input")


def test_named_secrets_fail(tab):
    with pytest.raises(AssertionError, match="must not be: 13812345678"):
        check_page(
            tab, page("<p>电话 13812345678</p>"), width=DESKTOP, secrets=["13812345678"], label="phone"
        )


def test_a_page_that_logs_no_read_fails_the_access_log_check(browser, world):
    browser.login(world.registrar_a)
    with pytest.raises(AssertionError, match="access log: no 'case.view' event by reg_a"):
        check_page(browser, "/", width=DESKTOP, logged=actions.CASE_VIEW)


def test_screenshots_go_to_the_folder_named_by_the_environment(tab, tmp_path, monkeypatch):
    monkeypatch.setenv("XUEJI_SCREENSHOTS", str(tmp_path))
    report = check_page(tab, page("<p>截图</p>"), width=PHONE, label="shot")
    assert report.screenshot.parent == tmp_path and report.screenshot.read_bytes()[:4] == b"\x89PNG"


# --------------------------------------------------------------------------- known faults (xfail)

WIDE = '<div style="width:600px">宽</div>'


def test_a_page_failing_with_exactly_its_known_faults_is_the_expected_failure(tab):
    tab.known_faults = (OVERFLOW,)
    with pytest.raises(KnownFaults, match="sideways scrolling"):
        check_page(tab, page(WIDE), width=PHONE, label="known")


def test_a_fault_not_named_is_a_real_failure(tab):
    tab.known_faults = (OVERFLOW,)
    with pytest.raises(AssertionError) as failed:
        check_page(tab, page(WIDE + '<p style="color:#bbb">浅色文字</p>'), width=PHONE, label="new-fault")
    assert failed.type is AssertionError and "not among the test's known faults: axe:color-contrast" in str(
        failed.value
    )


def test_a_known_fault_that_is_gone_is_a_real_failure(tab):
    tab.known_faults = (OVERFLOW, "axe:color-contrast")
    with pytest.raises(AssertionError) as failed:
        check_page(tab, page(WIDE), width=PHONE, label="fixed")
    assert failed.type is AssertionError and "fixed: axe:color-contrast no longer fail(s) here" in str(
        failed.value
    )

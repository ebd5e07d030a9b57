"""The page checklist every page passes, at a desktop and at a phone width (decision 0021).

``check_page(browser, url, width=360)`` opens the page in headless Chromium and checks, all at once
so that one failure message lists everything that is wrong:

- layout: no sideways scrolling (the elements where the overflow starts are named, widest first);
- accessibility: axe-core finds no ``serious`` or ``critical`` violation (rule, impact, targets, help);
- personal data: no full 18-character ID number in the rendered text or form values, unless the
  test allows it (``full_ids=True``), and none of the ``secrets`` strings the test names (R21.1);
- access log: the read wrote the audit events the test names (``logged="case.view"``, R21.1).

A screenshot of the whole page goes to ``$XUEJI_SCREENSHOTS`` when that is set.

A page that fails today is marked with ``known_faults(width, Fault(...), ...)`` (an
``xfail(strict=True, raises=KnownFaults)``): the test fails for real when a fault other than the
named ones appears, when a named one no longer occurs, or when the page passes.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DESKTOP = 1366
PHONE = 360
WIDTHS = (DESKTOP, PHONE)
PAGE_HEIGHT = {DESKTOP: 768, PHONE: 780}

AXE_JS = Path(__file__).with_name("vendor") / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# The checks' keys, as a Fault names them: an axe rule is "axe:<rule id>".
OVERFLOW = "overflow"
PERSONAL_DATA = "personal-data"
ACCESS_LOG = "access-log"

# A mainland ID number (17 digits and a check character) standing alone or after the "G" of a
# 学籍号; a masked one (410503********0017) does not match.
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")

# The elements that stick out to the right of the viewport. Named are those where the overflow starts
# (their parent stays inside): a table, not its tbody and rows as well.
_OVERFLOW_JS = """
const limit = document.documentElement.clientWidth;
const sticksOut = (el) => {
  if (el.checkVisibility && !el.checkVisibility()) return false;  // e.g. inside a closed <details>
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.right > limit + 0.5;
};
const name = (el) => {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  const cls = (typeof el.className === 'string' ? el.className : '').trim().split(/\\s+/).filter(Boolean);
  if (cls.length) s += '.' + cls.join('.');
  const parent = el.parentElement;
  if (parent && parent !== document.body && parent !== document.documentElement) {
    let p = parent.tagName.toLowerCase();
    if (parent.id) p += '#' + parent.id;
    else if (typeof parent.className === 'string' && parent.className.trim()) p += '.' + parent.className.trim().split(/\\s+/)[0];
    s = p + ' > ' + s;
  }
  return s;
};
const all = [...document.body.querySelectorAll('*')].filter(sticksOut);
const roots = all.filter((el) => !el.parentElement || el.parentElement === document.body || !sticksOut(el.parentElement));
const out = roots.map((el) => {
  const r = el.getBoundingClientRect();
  return {el: name(el), left: Math.round(r.left), right: Math.round(r.right), width: Math.round(r.width),
          text: (el.innerText || el.value || '').replace(/\\s+/g, ' ').trim().slice(0, 40)};
});
// Text that runs out of a box which itself stays inside (a long word, white-space: nowrap).
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const range = document.createRange();
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (!parent || sticksOut(parent) || !node.textContent.trim()) continue;
  range.selectNodeContents(node);
  const r = range.getBoundingClientRect();
  if (r.width > 0 && r.right > limit + 0.5) {
    out.push({el: 'text in ' + name(parent), left: Math.round(r.left), right: Math.round(r.right),
              width: Math.round(r.width), text: node.textContent.replace(/\\s+/g, ' ').trim().slice(0, 40)});
  }
}
out.sort((a, b) => b.width - a.width || b.right - a.right);
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        clientWidth: limit, offenders: out, count: all.length};
"""

_AXE_RUN_JS = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then((r) => done(JSON.stringify(r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary}))})))))
  .catch((e) => done(JSON.stringify({error: String(e)})));
"""

_TEXT_JS = """
const values = [...document.querySelectorAll('input, textarea, select')]
  .filter((el) => el.type !== 'hidden' && el.type !== 'password')
  .map((el) => el.value);
return document.body.innerText + '\\n' + values.join('\\n');
"""


@dataclass(frozen=True)
class Fault:
    """A fault a page has today: the check's key and what was measured (the xfail's reason)."""

    key: str
    measured: str


@dataclass
class Problem:
    key: str
    text: str


class KnownFaults(AssertionError):
    """The page failed with exactly the faults its test names: the expected failure of an xfail."""


def known_faults(width: int, *faults: Fault):
    """A width parameter for a page that fails today with ``faults`` (strict xfail)."""
    if not faults:
        return pytest.param(width, id=str(width))
    return pytest.param(
        width,
        id=str(width),
        marks=[
            pytest.mark.xfail(
                strict=True, raises=KnownFaults, reason="; ".join(f"{f.key}: {f.measured}" for f in faults)
            ),
            pytest.mark.known_faults(*(f.key for f in faults)),
        ],
    )


@dataclass
class PageReport:
    """What the checklist measured on one page at one width: for messages and for extra asserts."""

    url: str
    width: int
    title: str = ""
    text: str = ""
    overflow: dict[str, Any] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)
    screenshot: Path | None = None
    problems: list[Problem] = field(default_factory=list)


def check_page(
    browser,
    url: str,
    *,
    width: int,
    full_ids: bool = False,
    secrets: Iterable[str] = (),
    logged: str | Iterable[str] = (),
    subject: Any = None,
    label: str = "",
) -> PageReport:
    """Open ``url`` (a path on the live server, or a full address) at ``width`` px and run the
    checklist; raise one AssertionError naming every check that failed."""
    actions = [logged] if isinstance(logged, str) else list(logged)
    before = _last_audit_id() if actions else 0
    browser.resize(width, PAGE_HEIGHT.get(width, 800))
    browser.open(url)
    report = PageReport(url=browser.driver.current_url, width=width, title=browser.driver.title)
    report.screenshot = browser.screenshot(label or _slug(url), width)
    report.problems += _check_overflow(browser.driver, report)
    report.problems += _check_axe(browser.driver, report)
    report.text = browser.driver.execute_script(_TEXT_JS)
    report.problems += check_masked(report.text, full_ids=full_ids, secrets=secrets)
    if actions:
        report.problems += check_logged(
            actions, actor=browser.user, after_id=before, subject=subject, url=report.url
        )
    _verdict(report, known=set(getattr(browser, "known_faults", ())))
    return report


def _verdict(report: PageReport, *, known: set[str]) -> None:
    found = {p.key for p in report.problems}
    lines = [p.text for p in report.problems]
    if gone := sorted(known - found):
        lines.append(
            f"- fixed: {', '.join(gone)} no longer fail(s) here: take it out of the test's known_faults"
        )
    if not lines:
        return
    shown = report.url if len(report.url) <= 120 else report.url[:117] + "..."
    message = f"page checklist failed for {shown} at {report.width} px ({report.title!r}):\n" + "\n".join(
        lines
    )
    if report.screenshot:
        message += f"\nscreenshot: {report.screenshot}"
    if known and found <= known and not gone:
        raise KnownFaults(message)
    if known and (new := sorted(found - known)):
        message += f"\nnot among the test's known faults: {', '.join(new)}"
    raise AssertionError(message)


def _check_overflow(driver, report: PageReport) -> list[Problem]:
    report.overflow = driver.execute_script(_OVERFLOW_JS)
    o = report.overflow
    if o["scrollWidth"] <= o["innerWidth"]:
        return []
    lines = [
        f"- sideways scrolling: page is {o['scrollWidth']} px wide in a {o['innerWidth']} px window "
        f"({o['count']} elements reach past {o['clientWidth']} px); where it starts, widest first:"
    ]
    # Siblings of one kind (the cells of a grid row) as one line with their count.
    groups: dict[str, dict[str, Any]] = {}
    for e in o["offenders"]:
        group = groups.setdefault(e["el"], {**e, "n": 0})
        group["n"] += 1
    shown = list(groups.values())[:8]
    for g in shown:
        times = f" ×{g['n']}" if g["n"] > 1 else ""
        lines.append(
            f"    {g['el']}{times}  left {g['left']} right {g['right']} width {g['width']}  {g['text']!r}"
        )
    if len(groups) > len(shown):
        lines.append(f"    … and {len(groups) - len(shown)} more")
    return [Problem(OVERFLOW, "\n".join(lines))]


def _check_axe(driver, report: PageReport) -> list[Problem]:
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = json.loads(driver.execute_async_script(_AXE_RUN_JS))
    if isinstance(result, dict):
        return [Problem("axe", f"- axe-core did not run: {result['error']}")]
    report.violations = result
    problems = []
    for v in result:
        if v["impact"] not in BLOCKING_IMPACTS:
            continue
        lines = [f"- axe-core [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})"]
        for node in v["nodes"][:6]:
            summary = " ".join((node["summary"] or "").replace("Fix any of the following:", "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}  {summary[:240]}")
        if len(v["nodes"]) > 6:
            lines.append(f"    … and {len(v['nodes']) - 6} more")
        problems.append(Problem(f"axe:{v['id']}", "\n".join(lines)))
    return problems


def check_masked(text: str, *, full_ids: bool = False, secrets: Iterable[str] = ()) -> list[Problem]:
    """R21.1: the page shows ID numbers masked (410503********0017), and none of ``secrets``."""
    problems = []
    if not full_ids and (found := sorted(set(FULL_ID.findall(text)))):
        problems.append(
            Problem(PERSONAL_DATA, f"- personal data: full ID number(s) on the page: {', '.join(found)}")
        )
    if leaked := [s for s in secrets if s and s in text]:
        problems.append(
            Problem(PERSONAL_DATA, f"- personal data: on the page though it must not be: {', '.join(leaked)}")
        )
    return problems


def _last_audit_id() -> int:
    from xueji.audit.models import AuditEvent

    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def check_logged(
    actions: list[str], *, actor, after_id: int, subject: Any = None, url: str = ""
) -> list[Problem]:
    """R21.1: opening the page wrote one access-log event per action, by the signed-in user."""
    from xueji.audit.models import AuditEvent

    events = AuditEvent.objects.filter(id__gt=after_id)
    problems = []
    for action in actions:
        found = events.filter(action=action, actor=actor)
        if subject is not None:
            found = found.filter(subject_type=type(subject).__name__, subject_id=str(subject.pk))
        if not found.exists():
            written = sorted({(e.action, e.actor_id) for e in events}) or "none"
            about = f" about {type(subject).__name__} #{subject.pk}" if subject is not None else ""
            problems.append(
                Problem(
                    ACCESS_LOG,
                    f"- access log: no {action!r} event by {getattr(actor, 'username', actor)}{about} "
                    f"for {url}; written: {written}",
                )
            )
    return problems


def _slug(url: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", url).strip("-") or "root"


def save_png(path: Path, data_b64: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data_b64))
    return path


def screenshots_dir() -> Path | None:
    raw = os.environ.get("XUEJI_SCREENSHOTS", "").strip()
    return Path(raw).resolve() if raw else None

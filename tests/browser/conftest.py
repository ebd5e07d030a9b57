"""Browser tests: the app on pytest-django's live server (the test database), driven by Debian's
headless Chromium through selenium (decision 0021).

They are marked ``browser`` and skipped unless ``XUEJI_BROWSER=1``, so the normal runs on SQLite and
PostgreSQL stay fast; `.ci/run` runs them once, on SQLite:

    XUEJI_BROWSER=1 pytest tests/browser -p no:xdist

``XUEJI_SCREENSHOTS=/some/dir`` keeps a whole-page screenshot of every checked page there.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.browser.checklist import save_png, screenshots_dir

CHROMIUM = os.environ.get("XUEJI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("XUEJI_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",  # a phone has overlay scrollbars: the page gets the whole width
    "--force-device-scale-factor=1",
    "--lang=zh-CN",
)

HERE = Path(__file__).parent


def _wanted() -> bool:
    return os.environ.get("XUEJI_BROWSER", "").lower() in {"1", "true", "yes", "on"}


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="browser checks run only with XUEJI_BROWSER=1 (see .ci/run)")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if not _wanted():
                item.add_marker(skip)


class Browser:
    """One Chromium tab on the live server, signed in as ``user`` (or anonymous)."""

    def __init__(self, driver, base_url: str, test_name: str, known_faults: tuple[str, ...] = ()):
        self.driver = driver
        self.known_faults = known_faults  # the faults the test's page has today (checklist.known_faults)
        self.base_url = base_url.rstrip("/")
        self.test_name = re.sub(r"[^0-9A-Za-z_.-]+", "-", test_name).strip("-")
        self.user = None
        self._width = 0
        self._shots = 0

    def url(self, path: str) -> str:
        return path if "://" in path or path.startswith(("data:", "about:")) else self.base_url + path

    def resize(self, width: int, height: int = 800) -> None:
        """The viewport as a device of that width would have it (CSS pixels, scale 1)."""
        self._width = width
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def open(self, path: str) -> None:
        self.driver.get(self.url(path))

    def login(self, user) -> None:
        """Sign in by the session cookie of a Django test client's login (no form round trip)."""
        from tests.conftest import login

        client = login(user)  # with the second factor given, where the account needs one
        self.driver.execute_cdp_cmd(
            "Network.setCookie",
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": self.base_url + "/",
                "httpOnly": True,
            },
        )
        self.user = user

    def login_form(self, username: str, password: str, *, expect_success: bool = True) -> None:
        """Sign in as a person does: the login page's form; returns once the next page has loaded
        (or, for a login meant to fail, once the answer has)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.open("/login/")
        self.driver.find_element(By.ID, "id_username").send_keys(username)
        self.driver.find_element(By.ID, "id_password").send_keys(password)
        button = self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]")
        button.click()
        if not expect_success:
            WebDriverWait(self.driver, 10).until(lambda d: _stale(button))
            return
        WebDriverWait(self.driver, 10).until(
            lambda d: (
                "/login/" not in d.current_url
                and d.execute_script("return document.readyState") == "complete"
            )
        )

    def screenshot(self, label: str, width: int) -> Path | None:
        """The whole page (not only the window) as a PNG under $XUEJI_SCREENSHOTS, if set."""
        folder = screenshots_dir()
        if folder is None:
            return None
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": max(size["width"], width),
                    "height": min(size["height"], 8000),
                    "scale": 1,
                },
            },
        )
        self._shots += 1
        name = f"{self.test_name}-{self._shots:02d}-{label[:40]}-{width}.png"
        return save_png(folder / name, shot["data"])


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run; each test gets a clean tab state."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} missing: apt-get install -y chromium chromium-driver")
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not try to download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="xueji-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chromium, live_server, request):
    """A signed-out browser on the live server; ``browser.login(user)`` signs in."""
    chromium.get("about:blank")
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    marker = request.node.get_closest_marker("known_faults")
    yield Browser(chromium, live_server.url, request.node.name, marker.args if marker else ())
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})


def _stale(element: Any) -> bool:
    """True once the page that held ``element`` has been replaced (the form's answer arrived)."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    return False

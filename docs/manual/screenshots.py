"""Take the user manual's screenshots from the demo (the pictures in ``help/<role>/``).

    XUEJI_DATA_DIR=/tmp/manual-demo xueji demo --no-serve
    XUEJI_DATA_DIR=/tmp/manual-demo xueji demo --port 8766 &
    XUEJI_DATA_DIR=/tmp/manual-demo python docs/manual/screenshots.py http://127.0.0.1:8766

Each picture is the first screen (1366 × 768) of a page, as the demo account of that role sees it,
saved in 256 colours into ``src/xueji/core/static/manual/``. Needs Debian's chromium and
chromium-driver, and selenium (installed with ``.[dev]``).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

OUT = Path(__file__).resolve().parents[2] / "src" / "xueji" / "core" / "static" / "manual"
PASSWORD = "Xueji@2026demo"  # noqa: S105 - the demo's published password (README)
SHOTS = {
    "hq_registrar": [
        ("registrar-home", "/"),
        ("registrar-register", "/students/new/"),
        ("registrar-search", "/students/"),
        ("registrar-transfer", "/cases/transfer/verify/"),
        ("registrar-import", "/import/"),
    ],
    "hq_approver": [("approver-case", "first-case")],
    "bg_officer": [
        ("officer-home", "/"),
        ("officer-batches", "/cases/batches/"),
        ("officer-exports", "/exports/requests/"),
        ("officer-registrars", "/registrars/"),
    ],
    "bg_admin": [("admin-home", "/")],
    "bg_security": [("security-home", "/")],
    "bg_auditor": [("auditor-audit", "/audit/")],
}


def _driver() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=zh-CN",
        "--window-size=1366,768",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def _totp(username: str) -> str:
    env = {**os.environ, "XUEJI_ENV": "demo"}
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "xueji", "totp", username], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def _login(driver: webdriver.Chrome, base: str, username: str) -> None:
    driver.delete_all_cookies()
    driver.get(base + "/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/login/" not in d.current_url)
    if "/account/otp" in driver.current_url:
        driver.find_element(By.CSS_SELECTOR, "input[name=code], #code").send_keys(_totp(username))
        driver.find_element(By.CSS_SELECTOR, "main form button").click()
        WebDriverWait(driver, 10).until(lambda d: "/account/otp" not in d.current_url)


def _save(driver: webdriver.Chrome, name: str) -> None:
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    image.quantize(colors=256).save(OUT / f"{name}.png", optimize=True)
    print(OUT / f"{name}.png")


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    driver = _driver()
    try:
        for username, shots in SHOTS.items():
            _login(driver, base, username)
            for name, path in shots:
                if path == "first-case":
                    driver.get(base + "/cases/?mine=1")
                    links = driver.find_elements(By.CSS_SELECTOR, "main table a[href^='/cases/']")
                    path = links[0].get_attribute("href").replace(base, "") if links else "/"
                driver.get(base + path)
                WebDriverWait(driver, 10).until(
                    lambda d: d.execute_script("return document.readyState") == "complete"
                )
                _save(driver, name)
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8766")

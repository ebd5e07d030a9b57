"""R21.1: the server's request log keeps paths, never a query string or a referer, so a search by
ID number leaves no ID number in it."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

from xueji.core.management.commands.serve import gunicorn_argv

ID_NUMBER = "410503201403150013"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_r21_1_the_request_log_has_no_query_string(tmp_path):
    port = _free_port()
    env = {**os.environ, "XUEJI_ENV": "test", "XUEJI_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn command line)
        gunicorn_argv(host="127.0.0.1", port=port, workers=1),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/students/?q={ID_NUMBER}",
            headers={"Referer": f"http://127.0.0.1:{port}/students/?q={ID_NUMBER}"},
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(request, timeout=10)
        except urllib.error.HTTPError as answer:
            assert answer.code == 302  # to the login page
        time.sleep(0.5)
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=20)
    assert '"GET /students/" 302' in log
    assert ID_NUMBER not in log


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None

"""The ``xueji`` command: this project's manage.py (``xueji migrate``, ``xueji demo``, ``xueji serve``…)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        # The demo runs without configuration: a generated key and SQLite in the data directory.
        os.environ.setdefault("XUEJI_ENV", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xueji.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        # Settings fail loudly (no SECRET_KEY in production, a malformed value): the reason, no traceback.
        sys.stderr.write(f"配置错误 Configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()

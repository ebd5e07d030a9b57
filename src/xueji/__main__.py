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
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

"""Test settings: the product's settings in test mode (generated key, fast password hashing)."""

import os
import tempfile

os.environ.setdefault("XUEJI_ENV", "test")
os.environ.setdefault("XUEJI_DATA_DIR", tempfile.mkdtemp(prefix="xueji-test-"))

from xueji.settings import *  # noqa: E402,F403

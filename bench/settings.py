"""Bench settings: the product's settings, with a URLconf that adds the bare baseline view."""

from xueji.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

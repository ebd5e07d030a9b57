"""Skipping a grade (跳级, R14.1): refused unless the district records an exception with its reason."""

"""What apps above the students app add to a student's page: the buttons that start a case for
the student (each kind of status change declares its own). The students app names no kind; the
changes app registers its provider when it is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (user, student, enrollment) → [(url, label)]
ActionProvider = Callable[[Any, Any, Any], list[tuple[str, str]]]
ACTION_PROVIDERS: list[ActionProvider] = []


def student_actions(user: Any, student: Any, enrollment: Any) -> list[tuple[str, str]]:
    return [action for provider in ACTION_PROVIDERS for action in provider(user, student, enrollment)]

"""What apps above the students app add to a student's page and record card: the buttons that
start a case for the student (each kind of status change declares its own), and the completed
status changes the 学籍卡 lists. The students app names no kind; the changes app registers its
providers when it is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (user, student, enrollment) → [(url, label)]
ActionProvider = Callable[[Any, Any, Any], list[tuple[str, str]]]
ACTION_PROVIDERS: list[ActionProvider] = []


def student_actions(user: Any, student: Any, enrollment: Any) -> list[tuple[str, str]]:
    return [action for provider in ACTION_PROVIDERS for action in provider(user, student, enrollment)]


# (user, student ids) → {student id: [(number, what, closed on "YYYY-MM-DD", platform reference)]}
ChangesProvider = Callable[[Any, list[int]], dict[int, list[tuple[str, str, str, str]]]]
CHANGES_PROVIDERS: list[ChangesProvider] = []


def completed_changes(user: Any, student_ids: list[int]) -> dict[int, list[tuple[str, str, str, str]]]:
    """The completed status changes of these students the user may read, oldest first."""
    found: dict[int, list[tuple[str, str, str, str]]] = {pk: [] for pk in student_ids}
    for provider in CHANGES_PROVIDERS:
        for pk, rows in provider(user, student_ids).items():
            found.setdefault(pk, []).extend(rows)
    return found


# (student ids) → {student id: {"categories": [...]}}: what the archive app adds to a snapshot (R8.1).
SnapshotProvider = Callable[[list[int]], dict[int, dict[str, Any]]]
SNAPSHOT_PROVIDERS: list[SnapshotProvider] = []


def snapshot_parts(student_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the apps above add to each student's archive snapshot, merged."""
    found: dict[int, dict[str, Any]] = {pk: {} for pk in student_ids}
    for provider in SNAPSHOT_PROVIDERS:
        for pk, part in provider(student_ids).items():
            found.setdefault(pk, {}).update(part)
    return found

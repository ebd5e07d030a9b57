"""How a kind of status change is declared: its steps as data, its evidence and its effect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xueji.changes.models import Case


class Party:
    """Who owns a step, relative to the case."""

    SCHOOL = "school"  # the school that started the case (for a transfer: the transfer-in school)
    SCHOOL_BUREAU = "school_bureau"  # that school's district bureau
    OTHER_SCHOOL = "other_school"  # the other school (for a transfer: the transfer-out school)
    OTHER_BUREAU = "other_bureau"  # the other school's district bureau
    # A party outside this deployment (another province); the starting school's bureau records
    # its decision with evidence (RULES.md, Decision under R10).
    EXTERNAL = "external"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    party: str
    roles: tuple[str, ...]
    working_days: int | None = None  # None: no working-day clock on this step
    # Evidence categories (code → label) that must be on the case before this step can pass.
    evidence: Callable[[Mapping[str, Any]], Mapping[str, str]] = field(default=lambda facts: {})
    # A due date other than "n working days": e.g. the Tuesday filing day of a transfer (R10.4).
    due: Callable[[dt.date, Any], tuple[dt.date, bool, str]] | None = None
    # The label the acting party reads on its approve button.
    action_label: str = "同意"


class Kind:
    key: str = ""
    label: str = ""
    number_prefix: str = ""
    # The rule ids the kind's audit events cite.
    rules: tuple[str, ...] = ()

    def steps(self, case: Case) -> list[Step]:
        raise NotImplementedError

    def check_submit(self, case: Case) -> None:
        """Rules the prepared case must meet before it leaves the starting school."""

    def on_complete(self, case: Case, actor: Any) -> None:
        """The effect on the record, in the completing transaction."""
        raise NotImplementedError

    def step(self, case: Case, key: str) -> Step:
        for candidate in self.steps(case):
            if candidate.key == key:
                return candidate
        raise KeyError(key)

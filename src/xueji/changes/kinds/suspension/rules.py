"""The one third of R12.1 as pure arithmetic: no database, no calendar here.

Decision (RULES.md R12.1): working days stand for teaching hours; the share is the working days of
the stated period inside the semester in which it starts, over that semester's working days.
Ground 1 (illness) passes at one third or more (以上 includes the number); ground 2 (leave) only
above one third (超过: strictly more).
"""

from __future__ import annotations

from dataclasses import dataclass

ILLNESS, LEAVE, OTHER = "illness", "leave", "other"


@dataclass(frozen=True)
class Share:
    days: int  # working days of the stated period inside the semester
    total: int  # the semester's working days
    ground: str

    @property
    def needed(self) -> int:
        """The fewest days that pass: ⌈total/3⌉ for illness (≥ 1/3), ⌊total/3⌋ + 1 for leave (> 1/3)."""
        if self.ground == ILLNESS:
            return -(-self.total // 3)
        return self.total // 3 + 1

    @property
    def passes(self) -> bool:
        # Integer comparison: 3 × days against the total, never a rounded fraction.
        if self.ground == ILLNESS:
            return 3 * self.days >= self.total
        return 3 * self.days > self.total

    @property
    def missing(self) -> int:
        return max(self.needed - self.days, 0)

    @property
    def text(self) -> str:
        return f"{self.days}/{self.total} 个工作日"

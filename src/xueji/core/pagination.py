"""Pages of long lists whose exact length is not worth waiting for."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows and pages through those.

    A city officer's student list holds millions of rows, and a broad query (“王”) hundreds of
    thousands: counting them exactly took half a second over 2,000,000 students, for a figure and
    page numbers nobody uses. Counting up to the cap takes a few milliseconds, and the page says
    there are more and how to narrow the search. The cap is above the largest school, so a
    registrar can always page through a whole school.
    """

    object_list: QuerySet[Any]

    def __init__(self, object_list: Any, per_page: int, *, cap: int = 10_000) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def more(self) -> bool:
        """True when the list has more rows than were counted."""
        return self._counted > self.cap


def page_numbers(page: Any, *, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, the last, and ``around`` either side of the
    current one; None where numbers are left out (shown as …). 1 … 4 5 [6] 7 8 … 15."""
    last = page.paginator.num_pages
    wanted = {1, last, *range(page.number - around, page.number + around + 1)}
    shown: list[int | None] = []
    for n in sorted(n for n in wanted if 1 <= n <= last):
        previous = shown[-1] if shown else None
        if previous is not None and n - previous == 2:
            shown.append(n - 1)  # one page left out: its number, not "…"
        elif previous is not None and n - previous > 2:
            shown.append(None)
        shown.append(n)
    return shown

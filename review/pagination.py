"""A paginator for work queues that may hold hundreds of thousands of rows (the decided applications of a
ministry): it counts at most `cap` + 1 rows, so a page costs the same whatever the queue's length. Past the
cap the queue shows its first `cap` rows (filters and search narrow it) and says "more than <cap>"."""

from __future__ import annotations

import math

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The number of rows, or `cap` + 1 when there are more than `cap` (one bounded COUNT)."""
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if not self.capped:
            return super().num_pages
        return max(1, math.ceil(self.cap / self.per_page))

    def page(self, number):
        """The rows of one page in two steps: the page's ids from the task table alone (ordered, offset,
        limit: an index scan), then those rows with what a queue row shows joined in. In one statement
        PostgreSQL joined every task of the queue before sorting (thousands of joins for 25 rows)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count if not self.capped else self.cap)
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)} if ids else {}
        return self._get_page([found[pk] for pk in ids if pk in found], number, self)

"""A paginator for work queues that may hold hundreds of thousands of rows (the decided applications of a
ministry): it counts at most `cap` + 1 rows, so a page costs the same whatever the queue's length. Past the
cap the queue shows its first `cap` rows (filters and search narrow it) and says "more than <cap>"."""

from __future__ import annotations

import math

from django.core.paginator import Paginator
from django.db.models.query import EmptyQuerySet
from django.utils.functional import cached_property

from review.selectors import capped_count


class CappedPaginator(Paginator):
    """`object_list` is the queue with what a row shows joined in (`review.selectors.queue`). `parts`, when
    given, are the same rows as disjoint parts in the same order (`review.selectors.queue_parts`): the count
    and the page's ids are read from them, each part from its own index. `count`, when known (the tab's count
    of an unfiltered queue, `queue_counts`), saves counting again."""

    def __init__(self, object_list, per_page, *, cap: int, parts=None, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.parts = parts
        if count is not None:
            self.count = min(count, cap + 1)  # sets the cached property

    @cached_property
    def count(self) -> int:
        """The number of rows, or `cap` + 1 when there are more than `cap` (bounded COUNTs)."""
        if self.parts is not None:
            return capped_count(self.parts, self.cap)
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if not self.capped:
            return super().num_pages
        return max(1, math.ceil(self.cap / self.per_page))

    def _page_ids(self, bottom: int, top: int) -> list[int]:
        """The ids of rows `bottom`…`top` in the queue's order, from the task table alone (ordered, offset,
        limit: an index scan). With parts: the first `top` rows of each part (each an ordered index scan that
        stops there), merged in the queue's order."""
        if self.parts is None:
            return list(self.object_list.values_list("pk", flat=True)[bottom:top])
        parts = [part for part in self.parts if not isinstance(part, EmptyQuerySet)]
        if not parts or top <= bottom:  # (a slice [:0] is an empty queryset, which `union` drops)
            return []
        if len(parts) == 1:
            return list(parts[0].values_list("pk", flat=True)[bottom:top])
        order = parts[0].query.order_by
        columns = list(dict.fromkeys(["id", *(name.lstrip("-") for name in order)]))
        first, *others = [part.values_list(*columns)[:top] for part in parts]
        merged = first.union(*others, all=True).order_by(*order)
        return [row[0] for row in merged[bottom:top]]

    def page(self, number):
        """The rows of one page in two steps: the page's ids (`_page_ids`), then those rows with what a queue
        row shows joined in. In one statement PostgreSQL joined every task of the queue before sorting
        (thousands of joins for 25 rows)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count if not self.capped else self.cap)
        ids = self._page_ids(bottom, top)
        found = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)} if ids else {}
        return self._get_page([found[pk] for pk in ids if pk in found], number, self)

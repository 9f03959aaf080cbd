"""Working days: Monday to Friday, except the public holidays of `esb.PublicHoliday`.

Every working-day deadline goes through here: the expected decision date of a submission, the SLA clock of
each review step. The arithmetic is pure (`WorkingCalendar` over a set of holiday dates); the holidays come
from a cache of one entry per year in the shared Redis cache, filled with one query for all the missing
years of a span, so no function here ever queries per day.

Freshness: a holiday saved or deleted (back-office, loader) forgets the cached years it touches at once and
again when its transaction commits (a reader in another process may have cached the old list in between).
A list read inside a transaction is cached only once that transaction commits, so a rolled-back change never
reaches the cache. Entries also expire after `CACHE_SECONDS`, which bounds any race left.

Contracts (`start` and `end` are dates; time zones are the caller's business, use `timezone.localdate()`):

- `is_working_day(day)`: not a Saturday, Sunday or public holiday.
- `add_working_days(start, days)`: the date `days` working days after `start`; `start` itself does not count
  (it may be a holiday or a weekend); `days <= 0` returns `start` unchanged.
- `working_days_between(start, end)`: the number of working days `d` with `start < d <= end`; when
  `end < start`, minus the number of working days `d` with `end < d <= start`; 0 when equal. So
  `working_days_between(start, add_working_days(start, n)) == n` for every `n >= 0`, and swapping the
  arguments changes only the sign.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from esb.models import PublicHoliday

CACHE_SECONDS = 60 * 60
_KEY_PREFIX = "esb:public-holidays"
_ONE_DAY = datetime.timedelta(days=1)
SATURDAY = 5


def _cache_key(year: int) -> str:
    return f"{_KEY_PREFIX}:{year}"


class WorkingCalendar:
    """Working-day arithmetic over the holidays of a range of years, held in memory.

    Load one with `WorkingCalendar.for_span(first, last)` and reuse it when many deadlines are computed at
    once (a queue page): one cache read for all of them, then no I/O. A date outside the loaded years is
    still answered correctly: its years are loaded on first use.
    """

    def __init__(self, holidays: Iterable[datetime.date], first_year: int, last_year: int) -> None:
        self._holidays = frozenset(holidays)
        self._first_year, self._last_year = first_year, last_year

    @classmethod
    def for_span(cls, first: datetime.date, last: datetime.date) -> WorkingCalendar:
        first, last = min(first, last), max(first, last)
        return cls(holidays_in_years(first.year, last.year), first.year, last.year)

    @property
    def holidays(self) -> frozenset[datetime.date]:
        return self._holidays

    def _cover(self, day: datetime.date) -> None:
        if day.year < self._first_year:
            self._holidays |= holidays_in_years(day.year, self._first_year - 1)
            self._first_year = day.year
        elif day.year > self._last_year:
            self._holidays |= holidays_in_years(self._last_year + 1, day.year)
            self._last_year = day.year

    def is_working_day(self, day: datetime.date) -> bool:
        if day.weekday() >= SATURDAY:
            return False
        self._cover(day)
        return day not in self._holidays

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        current, remaining = start, max(days, 0)
        while remaining:
            current += _ONE_DAY
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        if end < start:
            return -self.working_days_between(end, start)
        count, current = 0, start
        while current < end:
            current += _ONE_DAY
            if self.is_working_day(current):
                count += 1
        return count


def holidays_in_years(first_year: int, last_year: int) -> frozenset[datetime.date]:
    """Every public holiday from 1 January `first_year` to 31 December `last_year`: one cache read, and at
    most one query (for the years the cache does not hold)."""
    years = range(first_year, last_year + 1)
    cached = cache.get_many([_cache_key(year) for year in years])
    holidays: set[datetime.date] = set()
    missing = []
    for year in years:
        entry = cached.get(_cache_key(year))
        if entry is None:
            missing.append(year)
        else:
            holidays.update(entry)
    if missing:
        loaded = _load_years(missing[0], missing[-1])
        holidays.update(*(loaded[year] for year in missing))
        fresh = {_cache_key(year): tuple(sorted(loaded[year])) for year in missing}
        # Inside a transaction the rows read may include its own uncommitted changes: cache them only if it
        # commits (outside one, on_commit runs at once).
        transaction.on_commit(lambda: cache.set_many(fresh, timeout=CACHE_SECONDS))
    return frozenset(holidays)


def _load_years(first_year: int, last_year: int) -> dict[int, set[datetime.date]]:
    by_year: dict[int, set[datetime.date]] = {year: set() for year in range(first_year, last_year + 1)}
    dates = PublicHoliday.objects.filter(
        date__gte=datetime.date(first_year, 1, 1), date__lte=datetime.date(last_year, 12, 31)
    ).values_list("date", flat=True)
    for day in dates:
        by_year[day.year].add(day)
    return by_year


def forget_years(years: Iterable[int]) -> None:
    """Drop the cached holidays of these years, now and again when the current transaction commits."""
    keys = sorted({_cache_key(year) for year in years})
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_all() -> int:
    """Drop every cached year (tests; or after changing the table behind Django's back, e.g. in SQL)."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):  # django's RedisCache
        client = backend.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key(f"{_KEY_PREFIX}:*"), count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    cache.clear()
    return 0


def _span_for(start: datetime.date, days: int) -> datetime.date:
    # A generous bound of where `days` working days end (5 a week; public holidays take under a tenth of the
    # weekdays), so the whole span is loaded with one cache read.
    return start + datetime.timedelta(days=math.ceil(max(days, 0) * 7 / 5 * 1.1) + 30)


def is_working_day(day: datetime.date) -> bool:
    """Not a Saturday, a Sunday or a public holiday."""
    return WorkingCalendar.for_span(day, day).is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (`start` itself does not count; `days <= 0` → `start`)."""
    return WorkingCalendar.for_span(start, _span_for(start, days)).add_working_days(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days `d` with `start < d <= end`; negative (the same count, swapped) when `end < start`."""
    return WorkingCalendar.for_span(start, end).working_days_between(start, end)


def _remember_previous_date(sender, instance: PublicHoliday, **kwargs) -> None:
    # A holiday moved to another year must be forgotten in the year it leaves too.
    previous = None
    if instance.pk is not None:
        previous = sender._default_manager.filter(pk=instance.pk).values_list("date", flat=True).first()
    instance._esb_previous_date = previous


def _forget_changed_holiday(sender, instance: PublicHoliday, **kwargs) -> None:
    previous = getattr(instance, "_esb_previous_date", None)
    forget_years({instance.date.year} | ({previous.year} if previous else set()))


def connect_signals() -> None:
    """Called from `EsbConfig.ready()`: every save and delete of a holiday forgets the cached years."""
    pre_save.connect(_remember_previous_date, sender=PublicHoliday, dispatch_uid="esb.holiday.pre_save")
    post_save.connect(_forget_changed_holiday, sender=PublicHoliday, dispatch_uid="esb.holiday.post_save")
    post_delete.connect(_forget_changed_holiday, sender=PublicHoliday, dispatch_uid="esb.holiday.post_delete")

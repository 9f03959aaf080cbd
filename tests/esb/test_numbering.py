"""Shared numbering: references from a sequence (unique, never waiting), gap-free counters for licences."""

import re
import threading

import pytest
from django.db import connections, transaction

from esb import numbering

pytestmark = pytest.mark.django_db(transaction=True)


def test_references_are_readable_and_increase_per_prefix_and_year():
    first = numbering.next_reference("abc", 2031)
    assert re.fullmatch(r"ABC-2031-\d{6}", first)
    second = numbering.next_reference("ABC", 2031)
    assert int(second[-6:]) == int(first[-6:]) + 1
    assert numbering.next_reference("XYZ", 2031).startswith("XYZ-2031-")


def test_a_prefix_that_is_not_a_code_is_refused():
    with pytest.raises(ValueError):
        numbering.next_reference("A; DROP TABLE x", 2031)


def test_concurrent_references_are_unique_and_a_rollback_only_leaves_a_gap():
    drawn: list[str] = []
    lock = threading.Lock()

    def draw() -> None:
        try:
            for _ in range(20):
                value = numbering.next_reference("CONC", 2031)
                with lock:
                    drawn.append(value)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draw) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == len(set(drawn)) == 100
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = numbering.next_reference("CONC", 2031)
        raise RuntimeError
    assert numbering.next_reference("CONC", 2031) > rolled_back  # not reused (a gap is allowed)


def test_gap_free_numbers_come_back_on_rollback_and_need_a_transaction():
    with pytest.raises(RuntimeError):
        numbering.next_gap_free_number("LICENCE-MOC", 2031)
    with transaction.atomic():
        assert numbering.next_gap_free_number("LICENCE-MOC", 2031) == 1
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert numbering.next_gap_free_number("LICENCE-MOC", 2031) == 2
        1 / 0
    with transaction.atomic():
        assert numbering.next_gap_free_number("LICENCE-MOC", 2031) == 2  # the rolled-back 2 is reused
        assert numbering.next_gap_free_number("LICENCE-MOC", 2032) == 1


def test_gap_free_numbers_under_concurrency_have_no_gap_and_no_duplicate():
    got: list[int] = []
    lock = threading.Lock()

    def issue() -> None:
        try:
            for _ in range(10):
                with transaction.atomic():
                    number = numbering.next_gap_free_number("LICENCE-CONC", 2031)
                with lock:
                    got.append(number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == list(range(1, 41))

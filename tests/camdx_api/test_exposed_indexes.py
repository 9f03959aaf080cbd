"""The list's queries can use the partial indexes of migration camdx_api 0002: their predicate must stay
implied by `exposed_applications()` (a change of the exposure rule must change the indexes too)."""

from __future__ import annotations

import pytest
from django.db import connection

from camdx_api import selectors

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    sql, params = queryset.query.get_compiler(connection.alias).as_sql()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a near-empty table: force the choice of an index
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "camdx_exposed_id"),
        ({"status": "APPROVED"}, "camdx_exposed_status_id"),
        ({"business_id": 1, "status": "APPROVED"}, "camdx_exposed_business_status_id"),
    ],
)
def test_the_list_reads_its_partial_index(filters, index):
    queryset = selectors.exposed_applications().filter(**filters).order_by("-pk").values("pk")[:20]
    assert index in _plan(queryset)

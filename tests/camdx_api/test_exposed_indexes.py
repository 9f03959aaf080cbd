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


@pytest.mark.parametrize("filters", [{}, {"status": "APPROVED"}, {"business_id": 1, "status": "APPROVED"}])
def test_the_list_reads_a_partial_index(filters):
    # which of the three is a matter of statistics; that one can be used at all proves the predicate implied
    queryset = selectors.exposed_applications().filter(**filters).order_by("-pk").values("pk")[:20]
    assert "camdx_exposed_" in _plan(queryset)
    assert "camdx_exposed_" in _plan(
        selectors.exposed_applications().filter(**filters).order_by().values("pk")
    )

"""Endpoint 6, `GET /api/v1/statistic?start_date=&end_date=` (service code `application_statistic`): the
seven status counts of the applications last modified inside the range, final values computed from the
append-only status history by `applications.statistics.final_counts`."""

from __future__ import annotations

import datetime
import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from applications.statistics import final_counts
from camdx_api import serializers as api
from camdx_api.openapi import code_envelope
from camdx_api.service_codes import ServiceCode
from camdx_api.views import CODE_ERRORS, _Part5Endpoint

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_FORMAT_MESSAGE = "Give a date as yyyy-MM-dd."
# The last day whose end (the next midnight, Phnom Penh) Python can still represent: a later day (9999-12-31,
# a caller's "no end") is read as this one; nothing is ever modified that late, so the counts are the same.
LAST_COUNTABLE_DAY = datetime.date.max - datetime.timedelta(days=1)


def _parse_date(value: str) -> datetime.date | None:
    if not DATE_PATTERN.match(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


class StatisticView(_Part5Endpoint):
    """How many applications are in each of the seven statuses, among those last modified inside the range
    (both days included), and their total. Service code `application_statistic`. Final values: computed
    from the status history as it stood at the end of `end_date`, so a closed range always answers the same;
    a range ending today or later is provisional until the day closes."""

    service_code = ServiceCode.APPLICATION_STATISTIC
    allowed_query_params = ("start_date", "end_date")

    @extend_schema(
        operation_id="application_statistic",
        summary="6. Get application statistic (application_statistic)",
        tags=["statistics"],
        parameters=[
            OpenApiParameter("start_date", str, required=True, description="first day, yyyy-MM-dd"),
            OpenApiParameter("end_date", str, required=True, description="last day (included), yyyy-MM-dd"),
        ],
        responses={
            200: code_envelope(api.ApplicationStatisticSerializer(), "ApplicationStatisticResponse"),
            **CODE_ERRORS,
        },
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        errors: dict[str, list[str]] = {}
        dates: dict[str, datetime.date] = {}
        for name in ("start_date", "end_date"):
            raw = request.query_params.get(name, "").strip()
            parsed = _parse_date(raw) if raw else None
            if not raw:
                errors[name] = ["This query parameter is required."]
            elif parsed is None:
                errors[name] = [DATE_FORMAT_MESSAGE]
            else:
                dates[name] = parsed
        if errors:
            return self.bad_request("Bad request: invalid dates.", errors)
        if dates["start_date"] > dates["end_date"]:
            return self.bad_request(
                "start_date is after end_date.", {"start_date": ["start_date must not be after end_date."]}
            )
        counts = final_counts(
            min(dates["start_date"], LAST_COUNTABLE_DAY), min(dates["end_date"], LAST_COUNTABLE_DAY)
        )
        return self.ok(api.represent(api.ApplicationStatisticSerializer, counts))

"""Layout rules of portal.css checked in a real browser on a minimal page (no data needed)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SUMMARY = """<!doctype html><html lang="en"><head>
<link rel="stylesheet" href="{base}/static/vendor/bootstrap/bootstrap.min.css">
<link rel="stylesheet" href="{base}/static/esb/css/portal.css"></head><body><div class="esb-narrow">
<dl class="esb-summary">
  <div class="esb-summary__row"><dt class="esb-summary__key">Last name</dt>
    <dd class="esb-summary__value">Heng</dd>
    <dd class="esb-summary__action"><a href="#">Change</a></dd></div>
  <div class="esb-summary__row" id="locked"><dt class="esb-summary__key">ID card or passport number</dt>
    <dd class="esb-summary__value">020118845
      <span class="esb-prefilled-note">From the government registry</span></dd>
    <dd class="esb-summary__action"></dd></div>
  <div class="esb-summary__row"><dt class="esb-summary__key">Phone</dt>
    <dd class="esb-summary__value">012 345 678</dd>
    <dd class="esb-summary__action"><a href="#">Change</a></dd></div>
</dl></div></body></html>"""

COLUMNS = """() => [...document.querySelectorAll('.esb-summary__row')].map(row => [
  row.querySelector('.esb-summary__key').getBoundingClientRect().width,
  row.querySelector('.esb-summary__value').getBoundingClientRect().left,
  row.querySelector('.esb-summary__value').getBoundingClientRect().width,
])"""


@pytest.mark.parametrize("width", [390, 800, 1280])
def test_check_answers_locked_row_lines_up_with_the_others(browser, live_server, width):
    """A locked answer has no "Change" link; its row must keep the same columns as the rows that do."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/static/esb/css/portal.css")  # same origin for the stylesheet links
        page.set_content(SUMMARY.format(base=live_server.url), wait_until="networkidle")
        rows = page.evaluate(COLUMNS)
    finally:
        context.close()
    assert len(rows) == 3
    assert rows[0] == rows[1] == rows[2], rows

"""The Reports tab over HTTP: the figures, the charts, bad input, the CSV; the order widget's
margin line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.html import text
from tests.integration.web.test_po_list_page import _seed
from tests.integration.web.test_vendor_pages import _get, _installation_id
from tests.integration.web.test_vendor_pages import staff as staff  # the fixture


def _send_all(live, fake, pos, at):
    installation_id = _installation_id(live, fake)
    with live.container.uow_factory() as uow:
        for po in pos:
            stored = uow.purchase_orders.get_for_update(installation_id, po.id)
            stored.mark_sent(actor="s", at=at, via="email", lead_time_days=2)
            uow.purchase_orders.save(installation_id, stored)
        uow.commit()


def test_the_tab_shows_vendor_figures_and_charts_for_the_range(staff):
    fake, live, context = staff
    sent = datetime.now(UTC) - timedelta(days=3)
    _send_all(live, fake, _seed(live, fake, count=3), sent)
    day = sent.date().isoformat()

    answer = _get(live, context, f"/app/reports?from={day}&to={day}")

    assert answer.status_code == 200
    row = text(answer.text, "vendor-report")
    assert "Acme Supply 3 3 15.00 EUR" in row
    assert "0.0 % (0 of 3)" in row  # due a day ago, nothing shipped
    assert answer.text.count('<figure class="chart"') == 3
    assert 'aria-current="page">Reports' in answer.text
    csv_answer = _get(live, context, f"/app/reports/vendors.csv?from={day}&to={day}")
    assert csv_answer.headers["Content-Disposition"].startswith(
        'attachment; filename="report-vendors-'
    )
    assert "Acme Supply,EUR,3,3,15.00" in csv_answer.text


def test_bad_dates_answer_400_and_an_unknown_table_is_refused(staff):
    fake, live, context = staff
    answer = _get(live, context, "/app/reports?from=2026-12-02&to=2026-12-01&vendor=x")
    assert answer.status_code == 400
    assert "The end date is before the start date." in answer.text
    assert "Choose a vendor from the list." in answer.text
    assert _get(live, context, "/app/reports/secrets.csv").status_code == 400
    assert _get(live, "forged", "/app/reports").status_code == 401

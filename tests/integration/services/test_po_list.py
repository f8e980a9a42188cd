"""The shop's PO list on a real database: filters, search, keyset paging, late POs, CSV export
and bulk actions (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.errors import DomainValidationError
from app.domain.po_changes import POChanges
from app.domain.po_list import POListFilter, POListQuery, POListSort, parse_po_list_query
from app.domain.purchase_orders import POStatus
from app.services.po_list import (
    BulkAction,
    bulk_purchase_orders,
    export_purchase_orders_csv,
    parse_bulk,
    purchase_order_list,
)
from app.services.vendors import save_vendor
from tests.builders import make_po_line, make_purchase_order
from tests.fakes import RecordingTaskQueue

STAFF = "staff@shop.test"
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _vendor(uow_factory, installation_id, code, name, integration="email", lead=0):
    data = {
        "name": name,
        "code": code,
        "currency": "EUR",
        "integration": integration,
        "emails_to": "po@vendor.test" if integration == "email" else "",
        "lead_time_days": str(lead),
    }
    return save_vendor(uow_factory, installation_id, data)


def _add(uow_factory, installation_id, vendor, n, **changes):
    """PO ``{n}-1`` of order ``n``, created ``n`` hours after START."""
    po = make_purchase_order(
        number=f"{n}-1",
        order_number=str(n),
        saleor_order_id=f"order-{n}",
        vendor_id=vendor.id,
        vendor_name=vendor.name,
        created_at=START + timedelta(hours=n),
        lines=[make_po_line(f"SKU-{n}", f"V-{n}", "Shirt", "M", 2, "10.00")],
    )
    for name, value in changes.items():
        setattr(po, name, value)
    with uow_factory() as uow:
        uow.purchase_orders.add(installation_id, po)
        uow.commit()
    return po


@pytest.fixture
def pos(uow_factory, shop):
    """Acme (email, 3 days' lead time) has POs 1-4, Beta (manual) has 5-6."""
    acme = _vendor(uow_factory, shop, "ACME", "Acme Supply", lead=3)
    beta = _vendor(uow_factory, shop, "BETA", "Beta Goods", integration="manual")
    created = [_add(uow_factory, shop, acme, n) for n in range(1, 5)]
    created += [_add(uow_factory, shop, beta, n) for n in range(5, 7)]
    return acme, beta, created


def _numbers(uow_factory, shop, **wanted):
    page_size = wanted.pop("page_size", 50)
    sort = wanted.pop("sort", POListSort.NEWEST)
    query = POListQuery(POListFilter(**wanted), sort, None, page_size)
    return [row.number for row in purchase_order_list(uow_factory, shop, query).page.rows]


def test_keyset_pages_list_every_po_once_in_order(uow_factory, shop, pos):
    for sort, expected in [
        (POListSort.NEWEST, ["6-1", "5-1", "4-1", "3-1", "2-1", "1-1"]),
        (POListSort.OLDEST, ["1-1", "2-1", "3-1", "4-1", "5-1", "6-1"]),
        (POListSort.VENDOR, ["1-1", "2-1", "3-1", "4-1", "5-1", "6-1"]),
    ]:
        seen, query = [], POListQuery(POListFilter(), sort, None, 4)
        for _ in range(3):
            view = purchase_order_list(uow_factory, shop, query)
            seen += [row.number for row in view.page.rows]
            if view.page.next_cursor is None:
                break
            query = POListQuery(query.filter, sort, view.page.next_cursor, 4)
        assert seen == expected, sort


def test_a_page_link_survives_the_round_trip_through_the_form(uow_factory, shop, pos):
    first = purchase_order_list(uow_factory, shop, POListQuery(page_size=2))
    assert first.page.next_cursor is not None
    query = parse_po_list_query({"after": first.page.next_cursor.encode()})
    second = purchase_order_list(
        uow_factory, shop, POListQuery(query.filter, query.sort, query.after, 2)
    )
    assert [row.number for row in second.page.rows] == ["4-1", "3-1"]


def test_rows_carry_the_sum_and_count_of_their_lines(uow_factory, shop, pos):
    acme, _, _ = pos
    _add(
        uow_factory,
        shop,
        acme,
        9,
        lines=[
            make_po_line("SKU-A", "V-A", "Shirt", "M", 3, "12.50"),
            make_po_line("SKU-B", "V-B", "Mug", "", 1, "1.25"),
        ],
    )
    row = purchase_order_list(uow_factory, shop, POListQuery()).page.rows[0]
    assert (row.number, row.total, row.line_count) == ("9-1", "38.75", 2)


def test_filters_narrow_by_status_vendor_and_created_dates(uow_factory, shop, pos):
    acme, beta, created = pos
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(shop, created[1].id)
        po.cancel(actor=STAFF, at=START, reason="customer changed their mind")
        uow.purchase_orders.save(shop, po)
        uow.commit()
    assert _numbers(uow_factory, shop, statuses=frozenset({POStatus.CANCELLED})) == ["2-1"]
    assert _numbers(uow_factory, shop, vendor_id=beta.id) == ["6-1", "5-1"]
    day = START.date()
    # PO n is created at 09:00 + n hours: 1-14 on 1 November, 15+ the next day.
    _add(uow_factory, shop, acme, 15)
    assert _numbers(uow_factory, shop, created_from=day + timedelta(days=1)) == ["15-1"]
    assert "15-1" not in _numbers(uow_factory, shop, created_to=day)
    assert len(_numbers(uow_factory, shop, created_from=day, created_to=day)) == 6


def test_search_finds_a_po_by_its_number_its_order_number_or_a_sku(uow_factory, shop, pos):
    assert _numbers(uow_factory, shop, search="3-1") == ["3-1"]
    assert _numbers(uow_factory, shop, search="#4") == ["4-1"]
    assert _numbers(uow_factory, shop, search="SKU-5") == ["5-1"]
    assert _numbers(uow_factory, shop, search="V-2") == ["2-1"]
    assert _numbers(uow_factory, shop, search="nothing-like-this") == []


def test_another_shop_never_sees_these_pos(uow_factory, shop, other_shop, pos):
    theirs = _vendor(uow_factory, other_shop, "ACME", "Their Acme")
    _add(uow_factory, other_shop, theirs, 3)
    assert _numbers(uow_factory, other_shop) == ["3-1"]
    assert _numbers(uow_factory, shop, search="3-1") == ["3-1"]
    assert len(_numbers(uow_factory, shop)) == 6


def _send(uow_factory, shop, po_id, at, lead):
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(shop, po_id)
        po.mark_sent(actor=STAFF, at=at, via="email", lead_time_days=lead)
        uow.purchase_orders.save(shop, po)
        uow.commit()


def test_late_and_needs_attention_filters(uow_factory, shop, pos):
    _, _, created = pos
    now = datetime.now(UTC)
    _send(uow_factory, shop, created[0].id, now - timedelta(days=5), 3)  # due 2 days ago
    _send(uow_factory, shop, created[1].id, now - timedelta(days=1), 3)  # due in 2 days
    with uow_factory() as uow:
        failed = uow.purchase_orders.get_for_update(shop, created[2].id)
        failed.record_send_failure(actor=STAFF, at=now, reason="mailbox full")
        uow.purchase_orders.save(shop, failed)
        uow.commit()
    assert _numbers(uow_factory, shop, late_only=True) == ["1-1"]
    assert _numbers(uow_factory, shop, needs_attention=True) == ["3-1", "1-1"]
    rows = purchase_order_list(uow_factory, shop, POListQuery()).page.rows
    late = {row.number: row.days_late(now) for row in rows}
    assert late["1-1"] == 2 and late["2-1"] == 0


def test_a_resend_keeps_the_first_sends_due_date(uow_factory, shop, pos):
    _, _, created = pos
    first = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    _send(uow_factory, shop, created[0].id, first, 3)
    _send(uow_factory, shop, created[0].id, first + timedelta(days=2), 3)
    with uow_factory() as uow:
        po = uow.purchase_orders.get(shop, created[0].id)
    assert po.due_at == first + timedelta(days=3)
    assert po.revision == 2


def test_the_export_lists_every_matching_po_with_formula_cells_escaped(uow_factory, shop, pos):
    evil = _vendor(uow_factory, shop, "EVIL", '=HYPERLINK("http://x")')
    _add(uow_factory, shop, evil, 7)
    text = export_purchase_orders_csv(
        uow_factory, shop, POListQuery(POListFilter(), POListSort.OLDEST, None, 2)
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["po_number"] for row in rows] == ["1-1", "2-1", "3-1", "4-1", "5-1", "6-1", "7-1"]
    assert rows[-1]["vendor"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["total"] == "20.00" and rows[0]["status"] == "Created"


def test_bulk_actions_change_each_po_that_allows_it_and_say_why_not_for_the_others(
    uow_factory, shop, pos
):
    _, _, created = pos
    queue = RecordingTaskQueue()
    manual = [created[4].id, created[5].id]
    marked = bulk_purchase_orders(
        uow_factory, queue, shop, BulkAction.MARK_SENT, manual, actor=STAFF
    )
    assert marked.done == ["5-1", "6-1"] and marked.refused == []
    cancelled = bulk_purchase_orders(
        uow_factory,
        queue,
        shop,
        BulkAction.CANCEL,
        [created[0].id, created[4].id, 999_999],
        actor=STAFF,
        reason="vendor closed",
    )
    assert cancelled.done == ["1-1", "5-1"]
    assert cancelled.refused == ["This purchase order does not exist."]
    again = bulk_purchase_orders(
        uow_factory, queue, shop, BulkAction.MARK_SENT, [created[0].id], actor=STAFF
    )
    assert again.done == [] and "cancelled" in again.refused[0]
    with uow_factory() as uow:
        po = uow.purchase_orders.get(shop, created[0].id)
    assert po.status is POStatus.CANCELLED
    assert po.events[-1].detail == "vendor closed"


def test_bulk_resend_queues_the_vendors_channel(uow_factory, shop, pos):
    _, _, created = pos
    queue = RecordingTaskQueue()
    outcome = bulk_purchase_orders(
        uow_factory, queue, shop, BulkAction.RESEND, [created[0].id, created[4].id], actor=STAFF
    )
    assert outcome.done == ["1-1"]
    assert "takes POs by hand" in outcome.refused[0]
    assert len(queue.tasks) == 1


def test_bulk_input_is_checked_before_anything_changes():
    with pytest.raises(DomainValidationError) as error:
        parse_bulk("cancel", ["1", "2"], "  ")
    assert set(error.value.errors) == {"reason"}
    with pytest.raises(DomainValidationError) as error:
        parse_bulk("explode", ["1; DROP TABLE"], "")
    assert set(error.value.errors) == {"bulk_action", "po"}
    with pytest.raises(DomainValidationError) as error:
        parse_bulk("resend", [str(n) for n in range(1, 202)], "")
    assert "at most 200" in error.value.errors["po"]
    assert parse_bulk("resend", ["3", "3", "4"], "") == (BulkAction.RESEND, [3, 4])


def test_created_dates_are_whole_days(uow_factory, shop, pos):
    query = parse_po_list_query({"from": "2026-11-01", "to": "2026-11-01"})
    assert query.filter.created_from == date(2026, 11, 1)
    assert len(purchase_order_list(uow_factory, shop, query).page.rows) == 6


def test_a_po_changed_since_sent_needs_attention_until_the_update_goes_out(uow_factory, shop, pos):
    _, _, created = pos
    now = datetime.now(UTC)
    _send(uow_factory, shop, created[1].id, now, 0)
    moved = replace(created[1].ship_to, street_address_1="9 New Street")
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(shop, created[1].id)
        po.flag_changes(POChanges(po.ship_to, moved), actor="Saleor", at=now)
        uow.purchase_orders.save(shop, po)
        uow.commit()

    assert _numbers(uow_factory, shop, needs_attention=True) == ["2-1"]
    [row] = [
        r
        for r in purchase_order_list(uow_factory, shop, POListQuery()).page.rows
        if r.number == "2-1"
    ]
    assert row.changed_since_sent and row.needs_attention

    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(shop, created[1].id)
        po.apply_changes(actor=STAFF, at=now)
        uow.purchase_orders.save(shop, po)
        uow.commit()
    assert _numbers(uow_factory, shop, needs_attention=True) == []

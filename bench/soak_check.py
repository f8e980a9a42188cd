"""The soak's invariant check: the app's database, the fake Saleor and the SMTP server, read at
the end. Each violation is one line naming the order or PO; the soak wants none."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from app.adapters.db import tables
from bench.soak_drive import tracking_number
from tests.servers.fake_saleor import FakeSaleor
from tests.servers.smtp import SmtpServer

_MESSAGE_ID = re.compile(r"<po-\d+-(\d+)-r(\d+)@")


@dataclass
class Verdict:
    violations: list[str] = field(default_factory=list)
    figures: Counter[str] = field(default_factory=Counter)

    def add(self, text: str) -> None:
        self.violations.append(text)


def _rows(engine: Engine, table: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(table)).all())


def check(
    engine: Engine, fake: FakeSaleor, smtp: SmtpServer, orders: list[dict[str, Any]]
) -> Verdict:
    """Every order processed once, every PO created once, emailed, shipped and written back once,
    nothing left waiting or in flight."""
    verdict = Verdict()
    pos = _rows(engine, tables.purchase_orders)
    _check_deliveries(engine, verdict)
    _check_orders(engine, orders, pos, verdict)
    _check_writes(engine, verdict)
    _check_emails(pos, smtp, verdict)
    _check_saleor(fake, orders, pos, verdict)
    return verdict


def _check_deliveries(engine: Engine, verdict: Verdict) -> None:
    for row in _rows(engine, tables.webhook_deliveries):
        verdict.figures[f"deliveries {row.status}"] += 1
        if row.status not in ("processed", "skipped"):
            verdict.add(f"delivery {row.id} ({row.event}) left {row.status}: {row.error}")


def _expected_vendors(order: dict[str, Any]) -> set[str]:
    return {
        "ACME" if line["productSku"] in ("SOAK-0", "SOAK-1") else "BETA" for line in order["lines"]
    }


def _check_orders(
    engine: Engine, orders: list[dict[str, Any]], pos: list[Any], verdict: Verdict
) -> None:
    stored = {row.saleor_order_id: row for row in _rows(engine, tables.orders)}
    plan = Counter(row.saleor_order_id for row in _rows(engine, tables.plan_lines))
    codes = {row.id: row.code for row in _rows(engine, tables.vendors)}
    by_order: dict[str, list[Any]] = defaultdict(list)
    for po in pos:
        by_order[po.saleor_order_id].append(po)
    verdict.figures["POs"] = len(pos)
    for order in orders:
        number, row = order["number"], stored.get(order["id"])
        if row is None:
            verdict.add(f"order {number} never reached the app")
            continue
        if plan[order["id"]] != len(order["lines"]):
            verdict.add(f"order {number}: {plan[order['id']]} plan lines for {len(order['lines'])}")
        if row.dropship_state != "complete":
            verdict.add(f"order {number} is {row.dropship_state}, not complete")
        vendors = Counter(codes[po.vendor_id] for po in by_order[order["id"]])
        if set(vendors) != _expected_vendors(order) or max(vendors.values(), default=0) > 1:
            verdict.add(f"order {number}: POs per vendor {dict(vendors)}")
        for po in by_order[order["id"]]:
            if po.status != "shipped":
                verdict.add(f"PO {po.number} is {po.status} ({po.failure_reason})")


def _check_writes(engine: Engine, verdict: Verdict) -> None:
    for attempt in _rows(engine, tables.outbound_attempts):
        verdict.figures[f"outbound {attempt.channel} {attempt.status}"] += 1
        verdict.figures["outbound tries beyond the first"] += max(0, attempt.attempts - 1)
        if attempt.status != "sent":
            verdict.add(
                f"outbound {attempt.idempotency_key} left {attempt.status} after "
                f"{attempt.attempts} tries: {attempt.last_error}"
            )
    for note in _rows(engine, tables.order_notes):
        if note.sent_at is None:
            verdict.add(f"note {note.id} for {note.saleor_order_id} never sent: {note.text}")
    for shipment in _rows(engine, tables.shipments):
        if shipment.status != "written":
            verdict.add(f"shipment {shipment.id} is {shipment.status}: {shipment.failure_reason}")


def _check_emails(pos: list[Any], smtp: SmtpServer, verdict: Verdict) -> None:
    ids_by_po: dict[int, set[str]] = defaultdict(set)
    by_id = {po.id: po for po in pos}
    for captured in list(smtp.messages):
        message_id = str(captured.message["Message-ID"])
        found = _MESSAGE_ID.search(message_id)
        po = by_id.get(int(found.group(1))) if found else None
        if po is None or po.number not in str(captured.message["Subject"]):
            verdict.add(f"email {message_id} ({captured.message['Subject']}) matches no PO")
            continue
        ids_by_po[po.id].add(message_id)
    verdict.figures["emails received"] = len(smtp.messages)
    verdict.figures["emails received again (same Message-ID)"] = len(smtp.messages) - sum(
        len(ids) for ids in ids_by_po.values()
    )
    for po in pos:
        ids = ids_by_po.get(po.id, set())
        if len(ids) != po.revision:
            verdict.add(f"PO {po.number} revision {po.revision}: Message-IDs {sorted(ids)}")


def _check_saleor(
    fake: FakeSaleor, orders: list[dict[str, Any]], pos: list[Any], verdict: Verdict
) -> None:
    pos_by_order: dict[str, list[Any]] = defaultdict(list)
    for po in pos:
        pos_by_order[po.saleor_order_id].append(po)
    for order in orders:
        saleor = fake.order(order["id"])
        number = order["number"]
        numbers = sorted(f.get("trackingNumber") or "" for f in saleor.get("fulfillments") or [])
        expected = sorted(tracking_number(po.id) for po in pos_by_order[order["id"]])
        if numbers != expected:
            verdict.add(f"order {number}: fulfilments {numbers}, expected {expected}")
        if saleor.get("status") != "FULFILLED":
            verdict.add(f"order {number} is {saleor.get('status')} in Saleor")
        notes = Counter(
            line
            for event in saleor.get("events") or []
            if event.get("type") == "NOTE_ADDED"
            for line in (event.get("message") or "").splitlines()
        )
        verdict.figures["note lines in Saleor"] += sum(notes.values())
        for line, count in notes.items():
            if count > 1:
                verdict.add(f"order {number}: note {line!r} {count} times in Saleor")
        metadata = {m["key"]: m["value"] for m in saleor.get("metadata") or []}
        if metadata.get("dropship.state") != "Complete":
            verdict.add(f"order {number}: dropship.state {metadata.get('dropship.state')!r}")
            verdict.add(f"order {number}: notes in Saleor {list(notes)} ({order['id']})")

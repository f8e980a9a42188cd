"""The vendor's answers over EDI: each file in its SFTP outbound folder is taken once and applied.

Per file: read, hash, look up (vendor, name, hash); parse strictly; apply to the PO in one
transaction that also records the file (a unique row, so a file seen twice is applied once)
and writes our 997 answer; then the file is moved to the archive folder (or, when it did not
parse or apply, to the quarantine folder with the error on the vendor's EDI page). One bad file
never stops the others or the poller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from app.domain.edi import documents as docs
from app.domain.edi.log import Direction, DocumentStatus, EdiDocument
from app.domain.edi.partners import TradingPartner
from app.domain.edi.x12 import (
    Interchange,
    X12Error,
    read_interchange,
    write_interchange,
)
from app.domain.installations import InstallationId
from app.domain.money import quantize
from app.domain.purchase_orders import POEvent, POLine, POStatus, PurchaseOrder
from app.domain.shipments import ShipmentSource
from app.errors import AppError, Retryable
from app.services.edi_channel import content_hash, file_name
from app.services.edi_ports import SftpRefused, SftpSession, SftpTransport, SftpUnavailable
from app.services.ports import CarrierDetector, TaskQueue
from app.services.shipments import build_shipment, queue_fulfilment_write
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 2_000_000
MAX_FILES_PER_POLL = 200
ANSWERED_KINDS = ("855", "856", "810")  # the app answers these with its own 997
# The carriers' SCACs the app knows, to its carrier codes (others are kept by name).
SCAC_CARRIERS = {
    "UPSN": "ups",
    "UPSS": "ups",
    "UPGF": "ups",
    "FDEG": "fedex",
    "FDXG": "fedex",
    "FDE": "fedex",
    "FEDX": "fedex",
    "FXFE": "fedex",
    "USPS": "usps",
    "DHL": "dhl",
    "DHLC": "dhl",
    "DHLG": "dhl",
    "ONTR": "ontrac",
    "AMZL": "amazon",
}


class CannotApply(Exception):
    """A document that parsed but does not fit what the app holds (unknown PO, wrong vendor)."""


@dataclass
class Applied:
    """What applying one interchange did: for the log and the 997 answer."""

    kind: str
    po: PurchaseOrder | None = None
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    answered: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    group: tuple[str, int] = ("", 0)


@dataclass(frozen=True)
class PollReport:
    applied: int = 0
    quarantined: int = 0
    skipped: int = 0
    error: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(partner_code: str) -> str:
    return f"EDI {partner_code}".strip()


# Applying each kind -----------------------------------------------------------------------------


@dataclass
class _Context:
    uow: UnitOfWork
    queue: TaskQueue
    carriers: CarrierDetector
    installation_id: InstallationId
    partner: TradingPartner
    vendor_code: str
    vendor_name: str

    @property
    def actor(self) -> str:
        return _actor(self.vendor_code)

    def po(self, number: str) -> PurchaseOrder:
        found = self.uow.purchase_orders.find_by_number(self.installation_id, number)
        if found is None or found.vendor_id != self.partner.vendor_id or found.id is None:
            raise CannotApply(f"No PO {number!r} was sent to this vendor.")
        locked = self.uow.purchase_orders.get_for_update(self.installation_id, found.id)
        assert locked is not None
        return locked

    def save(self, po: PurchaseOrder, note: str | None) -> None:
        self.uow.purchase_orders.save(self.installation_id, po)
        if note:
            queue_write_back(self.uow, self.queue, self.installation_id, po.saleor_order_id, note)


def _line(po: PurchaseOrder, number: str, vendor_sku: str, sku: str) -> POLine:
    """The PO line a document's line refers to: PO1 line number first, else VP, else SK."""
    if number.isdigit() and 1 <= int(number) <= len(po.lines):
        return po.lines[int(number) - 1]
    for line in po.lines:
        if (vendor_sku and line.vendor_sku == vendor_sku) or (sku and line.sku == sku):
            return line
    raise CannotApply(f"PO {po.number} has no line {number or vendor_sku or sku!r}.")


def _apply_997(ctx: _Context, ack: docs.FunctionalAck) -> Applied:
    if ack.functional_id != "PO":
        return Applied("997", summary=f"Acknowledges our {ack.functional_id} group: nothing to do.")
    sent = ctx.uow.edi.outbound_by_control(
        ctx.installation_id, ctx.partner.vendor_id, "850", ack.group_control_number
    )
    if sent is None or sent.purchase_order_id is None:
        raise CannotApply(f"No 850 with control number {ack.group_control_number} was sent.")
    po = ctx.uow.purchase_orders.get_for_update(ctx.installation_id, sent.purchase_order_id)
    if po is None:
        raise CannotApply("The acknowledged PO no longer exists.")
    reasons = [t.reason for t in ack.transactions if not t.accepted and t.reason]
    accepted = ack.accepted and all(t.accepted for t in ack.transactions)
    assert sent.id is not None
    if accepted:
        ctx.uow.edi.set_status(ctx.installation_id, sent.id, DocumentStatus.ACKNOWLEDGED)
        if po.status is POStatus.SENT:
            po.acknowledge(actor=ctx.actor, at=_now(), detail="997: the 850 was accepted")
        ctx.save(po, None)
        return Applied("997", po, f"PO {po.number} accepted (997).", {"accepted": True})
    reason = "; ".join(reasons) or ack.reason or "no reason given"
    ctx.uow.edi.set_status(ctx.installation_id, sent.id, DocumentStatus.REJECTED, reason)
    po.record_vendor_rejection(actor=ctx.actor, at=_now(), reason=reason)
    note = f"PO {po.number} was rejected by {ctx.vendor_name}'s EDI system: {reason}"
    ctx.save(po, note)
    return Applied("997", po, f"PO {po.number} rejected: {reason}", {"accepted": False})


def _apply_855(ctx: _Context, ack: docs.PurchaseOrderAck) -> Applied:
    po = ctx.po(ack.po_number)
    parts, lines = [], []
    for line_ack in ack.lines:
        line = _line(po, line_ack.line, line_ack.vendor_sku, line_ack.sku)
        when = f" until {line_ack.ship_date:%Y-%m-%d}" if line_ack.ship_date else ""
        parts.append(f"{line.sku or line.vendor_sku} x{line_ack.quantity} {line_ack.status}{when}")
        lines.append(
            {
                "order_line_id": line.order_line_id,
                "sku": line.sku,
                "status": line_ack.status.value,
                "quantity": line_ack.quantity,
                "date": line_ack.ship_date.isoformat() if line_ack.ship_date else None,
            }
        )
    detail = "; ".join(parts) or ("rejected" if ack.rejected else "accepted")
    if po.status is POStatus.SENT:
        po.acknowledge(actor=ctx.actor, at=_now(), detail=f"855: {detail}")
    else:
        po.events.append(_event(ctx, "acknowledged by vendor", f"855: {detail}"))
    note = f"PO {po.number} acknowledged by {ctx.vendor_name} (EDI 855): {detail}."
    ctx.save(po, note)
    return Applied("855", po, detail, {"type": ack.acknowledgement_type, "lines": lines})


def _event(ctx: _Context, action: str, detail: str) -> POEvent:
    return POEvent(_now(), ctx.actor, action, detail)


def _apply_856(ctx: _Context, notice: docs.ShipNotice) -> Applied:
    summaries, pos, shipments = [], [], []
    for order in notice.orders:
        po = ctx.po(order.po_number)
        quantities: dict[str, int] = {}
        packages: dict[str, int] = {}
        for shipped in order.lines:
            line = _line(po, shipped.line, shipped.vendor_sku, shipped.sku)
            quantities[line.order_line_id] = (
                quantities.get(line.order_line_id, 0) + shipped.quantity
            )
            packages.setdefault(line.order_line_id, shipped.package)
        carrier = SCAC_CARRIERS.get(order.scac.upper(), order.scac) or None
        build = _shipment_builder(ctx, po, quantities, order.tracking_numbers, carrier)
        try:
            shipment = build(packages if len(order.tracking_numbers) > 1 else None)
        except AppError as error:
            if "package" not in str(error.message).lower():
                raise CannotApply(f"PO {po.number}: {error.message}") from None
            shipment = build(None)  # packages that do not split cleanly: one shipment
        ctx.uow.shipments.add(ctx.installation_id, shipment)
        assert shipment.id is not None
        queue_fulfilment_write(ctx.uow, ctx.queue, ctx.installation_id, shipment.id)
        shipments.append(shipment.id)
        pos.append(po)
        numbers = ", ".join(order.tracking_numbers)
        summaries.append(f"PO {po.number}: {sum(quantities.values())} unit(s), {numbers}")
    details = {"shipment_id": notice.shipment_id, "shipments": shipments}
    return Applied("856", pos[0] if len(pos) == 1 else None, "; ".join(summaries), details)


def _shipment_builder(
    ctx: _Context,
    po: PurchaseOrder,
    quantities: dict[str, int],
    tracking: list[str],
    carrier: str | None,
) -> Callable[[dict[str, int] | None], Any]:
    def build(packages: dict[str, int] | None) -> Any:
        return build_shipment(
            ctx.uow,
            ctx.carriers,
            ctx.installation_id,
            po,
            quantities=quantities,
            tracking=tracking,
            carrier_code=carrier,
            source=ShipmentSource.EDI,
            actor=ctx.actor,
            packages=packages,
        )

    return build


def _apply_810(ctx: _Context, invoice: docs.Invoice) -> Applied:
    po = ctx.po(invoice.po_number)
    lines, mismatches = [], []
    for item in invoice.lines:
        line = _line(po, item.line, item.vendor_sku, item.sku)
        cost = line.unit_cost.amount
        differs = item.unit_price != cost or item.quantity > line.quantity
        if differs:
            mismatches.append(
                f"{line.sku or line.vendor_sku}: invoiced {item.quantity} x "
                f"{quantize(item.unit_price)}, PO {line.quantity} x {quantize(cost)}"
            )
        lines.append(
            {
                "order_line_id": line.order_line_id,
                "sku": line.sku,
                "quantity": item.quantity,
                "unit_price": str(item.unit_price),
                "po_unit_cost": str(cost),
                "mismatch": differs,
            }
        )
    total = f"{invoice.total:.2f} {po.currency}"
    if mismatches:
        detail = f"invoice {invoice.invoice_number} ({total}) differs: " + "; ".join(mismatches)
        po.events.append(_event(ctx, "invoice mismatch", detail))
    else:
        detail = f"invoice {invoice.invoice_number}: {total}, matches the PO"
        po.events.append(_event(ctx, "invoiced", detail))
    ctx.save(po, None)
    details = {
        "invoice_number": invoice.invoice_number,
        "total": str(invoice.total),
        "lines": lines,
        "mismatch": bool(mismatches),
    }
    return Applied("810", po, detail, details)


_READERS: dict[str, tuple[Callable[[Any], Any], Callable[[_Context, Any], Applied]]] = {
    "997": (docs.read_997, _apply_997),
    "855": (docs.read_855, _apply_855),
    "856": (docs.read_856, _apply_856),
    "810": (docs.read_810, _apply_810),
}


def _check_envelope(interchange: Interchange, partner: TradingPartner) -> None:
    if (interchange.sender_qualifier, interchange.sender_id) != (
        partner.receiver_qualifier,
        partner.receiver_id,
    ):
        raise CannotApply(
            f"The interchange comes from {interchange.sender_qualifier}/{interchange.sender_id}, "
            f"not this vendor ({partner.receiver_qualifier}/{partner.receiver_id})."
        )
    if (interchange.receiver_qualifier, interchange.receiver_id) != (
        partner.sender_qualifier,
        partner.sender_id,
    ):
        raise CannotApply(f"The interchange is addressed to {interchange.receiver_id}, not us.")
    if interchange.usage != partner.usage:
        raise CannotApply(
            f"A {'test' if interchange.usage == 'T' else 'production'} interchange arrived "
            f"while this vendor is set to {'test' if partner.usage == 'T' else 'production'}."
        )
    kinds = {transaction.set_id for _, transaction in interchange.transactions}
    unknown = kinds - set(_READERS)
    if unknown:
        raise CannotApply(f"The app does not take {', '.join(sorted(unknown))} documents.")
    unexpected = kinds - partner.documents_back
    if unexpected:
        raise CannotApply(
            f"This vendor is not set to send {', '.join(sorted(unexpected))} documents."
        )


def apply_interchange(ctx: _Context, interchange: Interchange) -> list[Applied]:
    """Apply every transaction; a transaction that does not read is refused in the 997."""
    _check_envelope(interchange, ctx.partner)
    results = []
    for group, transaction in interchange.transactions:
        reader, apply = _READERS[transaction.set_id]
        key = (transaction.set_id, transaction.control_number)
        try:
            parsed = reader(transaction)
        except X12Error as error:
            if transaction.set_id not in ANSWERED_KINDS:
                raise
            failed = Applied(transaction.set_id, summary=f"not read: {error}", refused=[key])
            failed.group = (group.functional_id, group.control_number)
            results.append(failed)
            continue
        result = apply(ctx, parsed)
        result.group = (group.functional_id, group.control_number)
        if transaction.set_id in ANSWERED_KINDS:
            result.answered.append(key)
        results.append(result)
    if all(result.refused for result in results):
        raise X12Error("; ".join(result.summary for result in results))
    return results


# The answer ----------------------------------------------------------------------------------


def _write_answer(ctx: _Context, results: list[Applied]) -> None:
    """Our 997 for the 855/856/810 groups in the interchange, stored to upload after commit."""
    groups: dict[tuple[str, int], tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
    for result in results:
        if result.answered or result.refused:
            acked, refused = groups.setdefault(result.group, ([], []))
            acked.extend(result.answered)
            refused.extend(result.refused)
    for (functional_id, group_control), (acked, refused) in groups.items():
        control = ctx.uow.edi.next_control_number(ctx.installation_id, ctx.partner.vendor_id)
        now = _now()
        body = docs.write_997(functional_id, group_control, acked, refused)
        envelope = replace(ctx.partner.envelope, acknowledgement_requested=False)  # ISA14 0
        text = write_interchange(envelope, ctx.partner.separators, control, now, [("997", body)])
        ctx.uow.edi.add_document(
            ctx.installation_id,
            EdiDocument(
                vendor_id=ctx.partner.vendor_id,
                direction=Direction.OUT,
                kind="997",
                status=DocumentStatus.PENDING,
                filename=file_name("997", f"{functional_id}{group_control}", control),
                content_sha256=content_hash(text.encode("ascii")),
                raw=text,
                created_at=now,
                control_number=control,
                details={"answers": f"{functional_id} {group_control}"},
            ),
        )


def send_answers(
    uow_factory: UnitOfWorkFactory,
    session: SftpSession,
    installation_id: InstallationId,
    partner: TradingPartner,
) -> int:
    """Upload our 997s still waiting (this poll's and any an earlier poll could not upload)."""
    with uow_factory() as uow:
        waiting = uow.edi.unsent_answers(installation_id, partner.vendor_id)
    for answer in waiting:
        session.upload(partner.inbound_folder, answer.filename, answer.raw.encode("ascii"))
        with uow_factory() as uow:
            assert answer.id is not None
            uow.edi.set_status(installation_id, answer.id, DocumentStatus.SENT)
            uow.commit()
    return len(waiting)


# One file ------------------------------------------------------------------------------------


def _kind_of(text: str) -> str:
    """The first transaction's set id, for the log of a file that did not parse ("?" if none)."""
    marker = text.find("ST")
    if marker > 0 and len(text) > marker + 6 and text[marker + 3 : marker + 6].isdigit():
        return text[marker + 3 : marker + 6]
    return "?"


@dataclass(frozen=True)
class _Vendor:
    installation_id: InstallationId
    partner: TradingPartner
    code: str
    name: str


def _quarantine(
    uow_factory: UnitOfWorkFactory, vendor: _Vendor, name: str, data: bytes, error: str
) -> bool:
    text = data.decode("utf-8", "replace")[:MAX_FILE_BYTES]
    with uow_factory() as uow:
        stored = uow.edi.add_document(
            vendor.installation_id,
            EdiDocument(
                vendor_id=vendor.partner.vendor_id,
                direction=Direction.IN,
                kind=_kind_of(text),
                status=DocumentStatus.QUARANTINED,
                filename=name,
                content_sha256=content_hash(data),
                raw=text,
                created_at=_now(),
                error=error[:2000],
            ),
        )
        uow.commit()
    return stored is not None


def take_file(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    carriers: CarrierDetector,
    session: SftpSession,
    vendor: _Vendor,
    name: str,
) -> DocumentStatus | None:
    """Read, record, apply and move one file; None when another poller took it first."""
    partner = vendor.partner
    data = session.read(partner.outbound_folder, name, MAX_FILE_BYTES)
    digest = content_hash(data)
    with uow_factory() as uow:
        seen = uow.edi.find_inbound(vendor.installation_id, partner.vendor_id, name, digest)
    if seen is not None:  # taken by an earlier poll that stopped before moving it
        quarantined = seen.status is DocumentStatus.QUARANTINED
        target = partner.quarantine_folder if quarantined else partner.archive_folder
        session.move(partner.outbound_folder, name, target)
        return None
    try:
        if len(data) > MAX_FILE_BYTES:
            raise X12Error(f"The file is larger than {MAX_FILE_BYTES} bytes.")
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise X12Error("The file has non-ASCII bytes.") from None
        interchange = read_interchange(text)
        status = _apply_file(uow_factory, queue, carriers, vendor, name, text, digest, interchange)
    except Retryable:
        raise  # the database or the server is down: the file stays for the next poll
    except Exception as error:  # any other failure of this file quarantines it
        if isinstance(error, AppError):
            message = error.message
        elif isinstance(error, X12Error | CannotApply):
            message = str(error)
        else:  # a fault of the app's: the file waits in quarantine, the poll goes on
            logger.exception("EDI file %s could not be applied", name)
            message = f"The app could not apply this file ({type(error).__name__}): see the logs."
        if not _quarantine(uow_factory, vendor, name, data, message):
            # another poll recorded this file meanwhile (and applied it, or quarantined it)
            with uow_factory() as uow:
                seen = uow.edi.find_inbound(vendor.installation_id, partner.vendor_id, name, digest)
            if seen is not None and seen.status is not DocumentStatus.QUARANTINED:
                session.move(partner.outbound_folder, name, partner.archive_folder)
                return None
        logger.warning("EDI file %s quarantined: %s", name, message)
        session.move(partner.outbound_folder, name, partner.quarantine_folder)
        return DocumentStatus.QUARANTINED
    if status is not None:
        session.move(partner.outbound_folder, name, partner.archive_folder)
    return status


def _apply_file(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    carriers: CarrierDetector,
    vendor: _Vendor,
    name: str,
    text: str,
    digest: str,
    interchange: Interchange,
) -> DocumentStatus | None:
    with uow_factory() as uow:
        ctx = _Context(
            uow, queue, carriers, vendor.installation_id, vendor.partner, vendor.code, vendor.name
        )
        results = apply_interchange(ctx, interchange)
        first = results[0]
        refused = [r.summary for r in results if r.refused]
        document = EdiDocument(
            vendor_id=vendor.partner.vendor_id,
            direction=Direction.IN,
            kind=first.kind if len({r.kind for r in results}) == 1 else "*",
            status=DocumentStatus.APPLIED,
            filename=name,
            content_sha256=digest,
            raw=text,
            created_at=_now(),
            control_number=interchange.control_number,
            purchase_order_id=first.po.id if first.po else None,
            po_number=", ".join(r.po.number for r in results if r.po)[:60],
            error="; ".join(refused),
            details={
                "summary": "; ".join(r.summary for r in results if r.summary),
                "transactions": [r.details for r in results],
            },
        )
        if uow.edi.add_document(vendor.installation_id, document) is None:
            return None  # another poller recorded this file first: its changes stand
        _write_answer(ctx, results)
        uow.commit()
    return DocumentStatus.APPLIED


# The poller ------------------------------------------------------------------------------------


def poll_edi_vendor(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    carriers: CarrierDetector,
    sftp: SftpTransport,
    *,
    installation_id: InstallationId,
    vendor_id: int,
) -> PollReport:
    """Take every file waiting in one EDI vendor's outbound folder; record how the poll went."""
    with uow_factory() as uow:
        partner = uow.edi.get_partner(installation_id, vendor_id)
        vendor_row = uow.vendors.get(installation_id, vendor_id)
    if partner is None or vendor_row is None or not partner.is_pinned:
        return PollReport(error="not set up")
    vendor = _Vendor(installation_id, partner, vendor_row.code, vendor_row.name)
    counts = {"applied": 0, "quarantined": 0, "skipped": 0}
    error = ""
    try:
        with sftp.connect(partner.account) as session:
            names = sorted(session.list_files(partner.outbound_folder))[:MAX_FILES_PER_POLL]
            for name in names:
                try:
                    status = take_file(uow_factory, queue, carriers, session, vendor, name)
                except SftpRefused as refused:  # this file only (permissions, vanished)
                    logger.warning("EDI file %s skipped: %s", name, refused.message)
                    status = None
                key = {DocumentStatus.APPLIED: "applied", DocumentStatus.QUARANTINED: "quarantined"}
                counts[key.get(status, "skipped") if status else "skipped"] += 1
            send_answers(uow_factory, session, installation_id, partner)
    except (SftpUnavailable, SftpRefused) as failure:
        error = failure.message
        logger.warning("EDI poll of vendor %s failed: %s", vendor_id, error)
    with uow_factory() as uow:
        uow.edi.record_poll(installation_id, vendor_id, _now(), error)
        uow.commit()
    return PollReport(counts["applied"], counts["quarantined"], counts["skipped"], error)


def poll_edi_vendors(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, carriers: CarrierDetector, sftp: SftpTransport
) -> int:
    """Every minute (beat): poll every active EDI vendor of every shop; returns files applied."""
    with uow_factory() as uow:
        targets = uow.edi.partners_to_poll()
    applied = 0
    for installation_id, vendor_id in targets:
        try:
            report = poll_edi_vendor(
                uow_factory,
                queue,
                carriers,
                sftp,
                installation_id=installation_id,
                vendor_id=vendor_id,
            )
        except AppError as error:  # e.g. the database went away: the next poll tries again
            logger.warning("EDI poll of vendor %s stopped: %s", vendor_id, error.message)
            continue
        except Exception:  # one vendor's failure never stops the others' polls
            logger.exception("EDI poll of vendor %s failed", vendor_id)
            continue
        applied += report.applied
    return applied

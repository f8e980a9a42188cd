"""The X12 documents exchanged with a vendor, table-driven: the 850 out, 997/855/856/810 in.

Writers return segments for ``x12.write_interchange``; readers take a parsed ``Transaction``
and return plain facts. Lines are referred to by the PO1 line number the 850 gave them (1, 2,
...): 855 PO101, 856 LIN01 and 810 IT101 echo it; a vendor part number (VP) or our SKU (SK)
is used when a vendor leaves the number out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from app.domain.edi.x12 import Segment, Separators, Transaction, X12Error, check_value, element
from app.domain.edi.x12 import plain_text as _plain
from app.domain.orders import Address
from app.domain.purchase_orders import PurchaseOrder

# Maximum element lengths of the 004010 dictionary for the elements the app writes.
LIMITS = {
    "po_number": 22,  # BEG03 (324)
    "order_number": 30,  # REF02 (127)
    "name": 60,  # N102, N201, PER02 (93, 93, 93)
    "street": 55,  # N301/N302 (166)
    "city": 30,  # N401 (19)
    "postal": 15,  # N403 (116)
    "phone": 80,  # PER04 (364)
    "product_id": 48,  # PO107/PO109 (234)
    "description": 80,  # PID05 (352)
}


def amount_text(value: Decimal) -> str:
    """An X12 R (decimal) value: no exponent, no trailing zeros, no leading "+"."""
    if value < 0:
        raise X12Error("Amounts on a PO cannot be negative.")
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def parse_amount(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise X12Error(f"{what} is not a number: {text!r}.") from None
    if not value.is_finite():
        raise X12Error(f"{what} is not a number: {text!r}.")
    return value


def parse_quantity(text: str, what: str) -> int:
    value = parse_amount(text, what)
    if value != value.to_integral_value() or value < 0:
        raise X12Error(f"{what} must be a whole number: {text!r}.")
    return int(value)


def parse_date(text: str, what: str) -> date:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise X12Error(f"{what} is not a CCYYMMDD date: {text!r}.") from None


def _identifier(value: str, separators: Separators, what: str, limit: str) -> str:
    check_value(value, separators, what)
    if len(value) > LIMITS[limit]:
        raise X12Error(f"{what} {value!r} is longer than {LIMITS[limit]} characters.")
    return value


def description(product_name: str, variant_name: str) -> str:
    return f"{product_name} ({variant_name})" if variant_name else product_name


# 850 --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    """Who orders (the shop), for the header PER contact."""

    name: str
    email: str


ORIGINAL, DUPLICATE = "00", "07"  # BEG01 transaction set purpose codes


def write_850(
    po: PurchaseOrder,
    buyer: Buyer,
    separators: Separators,
    at: datetime,
    purpose: str = ORIGINAL,
    ship_by: date | None = None,
) -> list[Segment]:
    """The 850 body (ST and SE excluded) of a drop-ship PO shipped to the customer;
    ``ship_by`` adds DTM*010 (requested ship date) for partners that want it."""

    def text(value: str, limit: str) -> str:
        return _plain(value, separators, LIMITS[limit])

    ship_to = po.ship_to
    segments: list[Segment] = [
        (
            "BEG",
            purpose,
            "DS",
            _identifier(po.number, separators, "The PO number", "po_number"),
            "",
            at.strftime("%Y%m%d"),
        )
    ]
    if po.currency != "USD":
        segments.append(("CUR", "BY", po.currency))
    segments.append(
        ("REF", "CO", _identifier(po.order_number, separators, "The order number", "order_number"))
    )
    if buyer.name or buyer.email:
        contact: Segment = ("PER", "BD", text(buyer.name, "name"))
        if buyer.email:
            contact += ("EM", text(buyer.email, "phone"))
        segments.append(contact)
    if ship_by is not None:
        segments.append(("DTM", "010", ship_by.strftime("%Y%m%d")))
    person = text(f"{ship_to.first_name} {ship_to.last_name}", "name")
    segments.append(("N1", "ST", person or text(ship_to.company_name, "name") or "CUSTOMER"))
    if ship_to.company_name and person:
        segments.append(("N2", text(ship_to.company_name, "name")))
    street = (
        "N3",
        text(ship_to.street_address_1, "street"),
        text(ship_to.street_address_2, "street"),
    )
    if street[1] or street[2]:
        segments.append(street if street[1] else ("N3", street[2]))
    area = text(ship_to.country_area, "city")
    segments.append(
        (
            "N4",
            text(ship_to.city, "city"),
            area if len(area) <= 2 else "",
            text(ship_to.postal_code, "postal"),
            text(ship_to.country_code, "postal")[:3],
            "",
            "",
            area if 2 < len(area) <= 3 else "",
        )
    )
    customer: Segment = ("PER", "IC", person)
    if ship_to.phone:
        customer += ("TE", text(ship_to.phone, "phone"))
    if po.customer_email:
        customer += ("EM", text(po.customer_email, "phone"))
    if len(customer) > 3 or person:
        segments.append(customer)
    total_quantity = 0
    for number, line in enumerate(po.lines, start=1):
        ids: tuple[str, ...] = ()
        if line.vendor_sku:
            ids += ("VP", _identifier(line.vendor_sku, separators, "The vendor SKU", "product_id"))
        if line.sku:
            ids += ("SK", _identifier(line.sku, separators, "The SKU", "product_id"))
        segments.append(
            (
                "PO1",
                str(number),
                str(line.quantity),
                "EA",
                amount_text(line.unit_cost.amount),
                "",
                *ids,
            )
        )
        wording = text(description(line.product_name, line.variant_name), "description")
        if wording:
            segments.append(("PID", "F", "", "", "", wording))
        total_quantity += line.quantity
    segments.append(("CTT", str(len(po.lines)), str(total_quantity)))
    return segments


@dataclass(frozen=True)
class OrderedLine:
    number: str
    quantity: int
    unit: str
    unit_price: Decimal
    vendor_sku: str = ""
    sku: str = ""
    description: str = ""


@dataclass(frozen=True)
class PurchaseOrderDocument:
    """What an 850 says, as the vendor reads it."""

    po_number: str
    order_date: date
    currency: str
    order_number: str
    ship_to: Address
    customer_email: str
    buyer_name: str
    buyer_email: str
    lines: tuple[OrderedLine, ...]
    purpose: str = ORIGINAL  # BEG01
    ship_by: date | None = None  # DTM*010


def _pairs(segment: Segment, start: int) -> dict[str, str]:
    """Qualifier/value pairs from ``start`` on (PO106/PO107, LIN02/LIN03, ...)."""
    pairs = {}
    for index in range(start, len(segment) - 1, 2):
        if segment[index]:
            pairs[segment[index]] = segment[index + 1]
    return pairs


def _require(transaction: Transaction, set_id: str) -> None:
    if transaction.set_id != set_id:
        raise X12Error(f"Expected a {set_id}, found a {transaction.set_id}.")


def read_850(transaction: Transaction) -> PurchaseOrderDocument:
    _require(transaction, "850")
    beg = _first(transaction, "BEG")
    currency, order_number, buyer, customer_email = "USD", "", ("", ""), ""
    names = {"first": "", "company": "", "street": ("", ""), "n4": ("",) * 8}
    phone, lines, in_ship_to = "", [], False
    descriptions: dict[int, str] = {}
    ship_by: date | None = None
    for segment in transaction.segments:
        kind = segment[0]
        if kind == "CUR":
            currency = element(segment, 2)
        elif kind == "DTM" and element(segment, 1) == "010":
            ship_by = parse_date(element(segment, 2), "DTM02")
        elif kind == "REF" and element(segment, 1) == "CO":
            order_number = element(segment, 2)
        elif kind == "PER" and element(segment, 1) == "BD":
            buyer = (element(segment, 2), _pairs(segment, 3).get("EM", ""))
        elif kind == "N1":
            in_ship_to = element(segment, 1) == "ST"
            if in_ship_to:
                names["first"] = element(segment, 2)
        elif kind == "N2" and in_ship_to:
            names["company"] = element(segment, 1)
        elif kind == "N3" and in_ship_to:
            names["street"] = (element(segment, 1), element(segment, 2))
        elif kind == "N4" and in_ship_to:
            names["n4"] = tuple(element(segment, i) for i in range(8))
        elif kind == "PER" and element(segment, 1) == "IC":
            pairs = _pairs(segment, 3)
            phone, customer_email = pairs.get("TE", ""), pairs.get("EM", "")
        elif kind == "PO1":
            in_ship_to = False
            ids = _pairs(segment, 6)
            lines.append(
                OrderedLine(
                    number=element(segment, 1),
                    quantity=parse_quantity(element(segment, 2), "PO102"),
                    unit=element(segment, 3),
                    unit_price=parse_amount(element(segment, 4), "PO104"),
                    vendor_sku=ids.get("VP", ""),
                    sku=ids.get("SK", ""),
                )
            )
        elif kind == "PID" and lines:
            descriptions[len(lines) - 1] = element(segment, 5)
        elif kind == "CTT" and parse_quantity(element(segment, 1), "CTT01") != len(lines):
            raise X12Error("CTT01 does not match the number of PO1 lines.")
    for index, wording in descriptions.items():
        line = lines[index]
        lines[index] = OrderedLine(
            line.number, line.quantity, line.unit, line.unit_price, line.vendor_sku, line.sku,
            wording,
        )  # fmt: skip
    n4 = names["n4"]
    street = names["street"]
    return PurchaseOrderDocument(
        po_number=element(beg, 3),
        order_date=parse_date(element(beg, 5), "BEG05"),
        currency=currency,
        order_number=order_number,
        ship_to=Address(
            first_name=str(names["first"]),
            company_name=str(names["company"]),
            street_address_1=street[0],
            street_address_2=street[1],
            city=n4[1],
            country_area=n4[2] or n4[7],
            postal_code=n4[3],
            country_code=n4[4],
            phone=phone,
        ),
        customer_email=customer_email,
        buyer_name=buyer[0],
        buyer_email=buyer[1],
        lines=tuple(lines),
        purpose=element(beg, 1),
        ship_by=ship_by,
    )


def _first(transaction: Transaction, segment_id: str) -> Segment:
    for segment in transaction.segments:
        if segment[0] == segment_id:
            return segment
    raise X12Error(f"The {transaction.set_id} has no {segment_id} segment.")


# 997 --------------------------------------------------------------------------------------------

AK5_ERRORS = {
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "control numbers in ST and SE do not match",
    "4": "number of included segments does not match",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid control number",
    "23": "duplicate control number",
}


@dataclass(frozen=True)
class TransactionAck:
    set_id: str
    control_number: str
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class FunctionalAck:
    """A 997: which group (and its transactions) the vendor accepted or rejected."""

    functional_id: str
    group_control_number: int
    accepted: bool
    transactions: tuple[TransactionAck, ...]
    reason: str = ""


def write_997(
    functional_id: str,
    group_control: int,
    acked: Sequence[tuple[str, str]],
    rejected: Sequence[tuple[str, str]] = (),
) -> list[Segment]:
    """AK1, AK2/AK5 per transaction (accepted, or rejected with code 5: segments in error),
    AK9 with the group's status (A all accepted, P partly, R none)."""
    segments: list[Segment] = [("AK1", functional_id, str(group_control))]
    for set_id, control in acked:
        segments += [("AK2", set_id, control), ("AK5", "A")]
    for set_id, control in rejected:
        segments += [("AK2", set_id, control), ("AK5", "R", "5")]
    received, accepted = len(acked) + len(rejected), len(acked)
    status = "A" if not rejected else ("P" if acked else "R")
    segments.append(("AK9", status, str(received), str(received), str(accepted)))
    return segments


def write_997_rejection(
    functional_id: str, group_control: int, set_id: str, control: str, reason_code: str
) -> list[Segment]:
    """Reject one transaction (AK5 R with a code): what a vendor answers a bad 850 with."""
    return [
        ("AK1", functional_id, str(group_control)),
        ("AK2", set_id, control),
        ("AK5", "R", reason_code),
        ("AK9", "R", "1", "1", "0"),
    ]


def read_997(transaction: Transaction) -> FunctionalAck:
    _require(transaction, "997")
    ak1 = _first(transaction, "AK1")
    acks: list[TransactionAck] = []
    current: tuple[str, str] | None = None
    notes: list[str] = []
    group_accepted, group_reason = False, ""
    for segment in transaction.segments:
        kind = segment[0]
        if kind == "AK2":
            current, notes = (element(segment, 1), element(segment, 2)), []
        elif kind == "AK3":
            notes.append(f"segment {element(segment, 1)} at position {element(segment, 2)}")
        elif kind == "AK4":
            notes.append(f"element {element(segment, 1)} (code {element(segment, 3)})")
        elif kind == "AK5" and current is not None:
            status = element(segment, 1)
            codes = [AK5_ERRORS.get(c, f"error {c}") for c in segment[2:] if c]
            reason = "; ".join(codes + notes)
            acks.append(TransactionAck(current[0], current[1], status in ("A", "E"), reason))
            current = None
        elif kind == "AK9":
            group_accepted = element(segment, 1) in ("A", "E")
            codes = [c for c in segment[5:] if c]
            group_reason = "; ".join(f"group error {c}" for c in codes)
    if current is not None:
        raise X12Error("AK2 without its AK5.")
    return FunctionalAck(
        functional_id=element(ak1, 1),
        group_control_number=parse_quantity(element(ak1, 2), "AK102"),
        accepted=group_accepted,
        transactions=tuple(acks),
        reason=group_reason,
    )


# 855 --------------------------------------------------------------------------------------------


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    BACKORDERED = "backordered"
    CANCELLED = "cancelled"


ACK_CODES = {
    "IA": LineStatus.ACCEPTED,  # item accepted
    "AC": LineStatus.ACCEPTED,  # item accepted and shipped
    "IC": LineStatus.ACCEPTED,  # accepted, changes made
    "IQ": LineStatus.ACCEPTED,  # accepted, quantity changed
    "IB": LineStatus.BACKORDERED,  # item backordered
    "BP": LineStatus.BACKORDERED,  # accepted, partial shipment, balance backordered
    "IR": LineStatus.CANCELLED,  # item rejected
    "ID": LineStatus.CANCELLED,  # item deleted
    "R2": LineStatus.CANCELLED,  # rejected, invalid item product number
}


@dataclass(frozen=True)
class LineAck:
    line: str  # the PO1 line number
    vendor_sku: str
    sku: str
    status: LineStatus
    quantity: int
    ship_date: date | None = None


@dataclass(frozen=True)
class PurchaseOrderAck:
    po_number: str
    acknowledgement_type: str  # BAK02: AC, AD, AK, RJ...
    lines: tuple[LineAck, ...]

    @property
    def rejected(self) -> bool:
        return self.acknowledgement_type == "RJ"


def read_855(transaction: Transaction) -> PurchaseOrderAck:
    _require(transaction, "855")
    bak = _first(transaction, "BAK")
    lines: list[LineAck] = []
    po1: Segment | None = None
    for segment in transaction.segments:
        if segment[0] == "PO1":
            po1 = segment
        elif segment[0] == "ACK" and po1 is not None:
            code = element(segment, 1)
            if code not in ACK_CODES:
                raise X12Error(f"ACK01 code {code!r} is not one the app knows.")
            ids = _pairs(po1, 6)
            when = element(segment, 5)
            lines.append(
                LineAck(
                    line=element(po1, 1),
                    vendor_sku=ids.get("VP", ""),
                    sku=ids.get("SK", ""),
                    status=ACK_CODES[code],
                    quantity=parse_quantity(element(segment, 2) or "0", "ACK02"),
                    ship_date=parse_date(when, "ACK05") if when else None,
                )
            )
            po1 = None
    if not element(bak, 3):
        raise X12Error("BAK03 (the PO number) is missing.")
    return PurchaseOrderAck(element(bak, 3), element(bak, 2), tuple(lines))


def write_855(po_number: str, at: date, lines: Sequence[LineAck]) -> list[Segment]:
    """A vendor's 855 (tests and the benchmark play the vendor with it)."""
    kind = "AC" if all(x.status is LineStatus.ACCEPTED for x in lines) else "AK"
    segments: list[Segment] = [("BAK", "00", kind, po_number, at.strftime("%Y%m%d"))]
    codes = {LineStatus.ACCEPTED: "IA", LineStatus.BACKORDERED: "IB", LineStatus.CANCELLED: "IR"}
    for line in lines:
        ids = (("VP", line.vendor_sku) if line.vendor_sku else ()) + (
            ("SK", line.sku) if line.sku else ()
        )
        segments.append(("PO1", line.line, str(line.quantity), "EA", "", "", *ids))
        ack: Segment = ("ACK", codes[line.status], str(line.quantity), "EA")
        if line.ship_date:
            ack += ("068", line.ship_date.strftime("%Y%m%d"))
        segments.append(ack)
    segments.append(("CTT", str(len(lines))))
    return segments


# 856 --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShippedLine:
    line: str
    vendor_sku: str
    sku: str
    quantity: int
    package: int  # index into the notice's tracking numbers


@dataclass
class OrderShipment:
    """What one PO's part of an 856 says: carrier, tracking numbers, lines per package."""

    po_number: str
    scac: str
    tracking_numbers: list[str] = field(default_factory=list)
    lines: list[ShippedLine] = field(default_factory=list)


@dataclass(frozen=True)
class ShipNotice:
    shipment_id: str
    orders: tuple[OrderShipment, ...]


def read_856(transaction: Transaction) -> ShipNotice:
    """Shipment (S) / order (O) / pack (P) / item (I) levels; the carrier's SCAC from TD5,
    tracking numbers from the package MAN segments or the shipment's REF*CN."""
    _require(transaction, "856")
    bsn = _first(transaction, "BSN")
    scac, shipment_tracking = "", ""
    orders: list[OrderShipment] = []
    level, item = "", ("", "", "")
    package = -1
    for segment in transaction.segments:
        kind = segment[0]
        if kind == "HL":
            level = element(segment, 3)
            if level not in ("S", "O", "P", "T", "I"):
                raise X12Error(f"HL03 level {level!r} is not one the app knows.")
            if level == "O":
                orders.append(OrderShipment("", scac))
                package = -1
            elif level in ("P", "T"):
                if not orders:
                    raise X12Error("A pack level comes before any order level.")
                package += 1
        elif kind == "TD5" and element(segment, 3):
            scac = element(segment, 3)
            if orders:
                orders[-1].scac = scac
        elif kind == "REF" and element(segment, 1) in ("CN", "BM") and level == "S":
            shipment_tracking = shipment_tracking or element(segment, 2)
        elif kind == "PRF" and level == "O":
            orders[-1].po_number = element(segment, 1)
        elif kind == "MAN" and level in ("P", "T"):
            orders[-1].tracking_numbers.append(element(segment, 2))
        elif kind == "LIN":
            ids = _pairs(segment, 2)
            item = (element(segment, 1), ids.get("VP", ""), ids.get("SK", ""))
        elif kind == "SN1":
            if not orders:
                raise X12Error("An item level comes before any order level.")
            orders[-1].lines.append(
                ShippedLine(
                    line=element(segment, 1) or item[0],
                    vendor_sku=item[1],
                    sku=item[2],
                    quantity=parse_quantity(element(segment, 2), "SN102"),
                    package=max(package, 0),
                )
            )
    for order in orders:
        if not order.po_number:
            raise X12Error("An order level has no PRF (PO number).")
        if not order.tracking_numbers:
            if not shipment_tracking:
                raise X12Error(f"No tracking number for PO {order.po_number}.")
            order.tracking_numbers.append(shipment_tracking)
        if not order.lines:
            raise X12Error(f"No shipped lines for PO {order.po_number}.")
    if not orders:
        raise X12Error("The 856 has no order level.")
    return ShipNotice(element(bsn, 2), tuple(orders))


def write_856(shipment_id: str, at: datetime, orders: Sequence[OrderShipment]) -> list[Segment]:
    """A vendor's 856 in S/O/P/I levels (tests and the benchmark play the vendor with it)."""
    segments: list[Segment] = [
        ("BSN", "00", shipment_id, at.strftime("%Y%m%d"), at.strftime("%H%M")),
        ("HL", "1", "", "S"),
        ("TD5", "B", "2", orders[0].scac if orders else ""),
    ]
    counter = 1
    for order in orders:
        counter += 1
        order_level = counter
        segments += [("HL", str(order_level), "1", "O"), ("PRF", order.po_number)]
        for index, tracking in enumerate(order.tracking_numbers):
            counter += 1
            pack_level = counter
            segments += [("HL", str(pack_level), str(order_level), "P"), ("MAN", "CP", tracking)]
            for line in (x for x in order.lines if x.package == index):
                counter += 1
                ids = (("VP", line.vendor_sku) if line.vendor_sku else ()) + (
                    ("SK", line.sku) if line.sku else ()
                )
                segments += [
                    ("HL", str(counter), str(pack_level), "I"),
                    ("LIN", line.line, *ids),
                    ("SN1", line.line, str(line.quantity), "EA"),
                ]
    segments.append(("CTT", str(counter)))
    return segments


# 810 --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLine:
    line: str
    vendor_sku: str
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Invoice:
    invoice_number: str
    po_number: str
    invoice_date: date
    lines: tuple[InvoiceLine, ...]
    total: Decimal  # TDS01, in cents in the document


def read_810(transaction: Transaction) -> Invoice:
    _require(transaction, "810")
    big = _first(transaction, "BIG")
    tds = _first(transaction, "TDS")
    lines = []
    for segment in transaction.segments:
        if segment[0] == "IT1":
            ids = _pairs(segment, 6)
            lines.append(
                InvoiceLine(
                    line=element(segment, 1),
                    vendor_sku=ids.get("VP", ""),
                    sku=ids.get("SK", ""),
                    quantity=parse_quantity(element(segment, 2), "IT102"),
                    unit_price=parse_amount(element(segment, 4), "IT104"),
                )
            )
    if not element(big, 4):
        raise X12Error("BIG04 (the PO number) is missing.")
    return Invoice(
        invoice_number=element(big, 2),
        po_number=element(big, 4),
        invoice_date=parse_date(element(big, 1), "BIG01"),
        lines=tuple(lines),
        total=Decimal(parse_quantity(element(tds, 1), "TDS01")) / 100,
    )


def write_810(invoice: Invoice) -> list[Segment]:
    """A vendor's 810 (tests and the benchmark play the vendor with it)."""
    segments: list[Segment] = [
        (
            "BIG",
            invoice.invoice_date.strftime("%Y%m%d"),
            invoice.invoice_number,
            "",
            invoice.po_number,
        )
    ]
    for line in invoice.lines:
        ids = (("VP", line.vendor_sku) if line.vendor_sku else ()) + (
            ("SK", line.sku) if line.sku else ()
        )
        segments.append(
            ("IT1", line.line, str(line.quantity), "EA", amount_text(line.unit_price), "", *ids)
        )
    cents = int((invoice.total * 100).to_integral_value())
    segments += [("TDS", str(cents)), ("CTT", str(len(invoice.lines)))]
    return segments

"""X12: the 850 writer checked by hand against the X12 rules, the strict reader, round trips."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.edi import documents as docs
from app.domain.edi.partners import clean_trading_partner
from app.domain.edi.x12 import (
    Envelope,
    Separators,
    X12Error,
    plain_text,
    read_interchange,
    write_interchange,
)
from app.domain.errors import DomainValidationError
from app.domain.money import Money
from app.domain.orders import Address
from app.domain.purchase_orders import POLine, PurchaseOrder

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
ENVELOPE = Envelope("ZZ", "DROPSHIPSHOP", "12", "5551234567", "DROPSHIP", "ACMEAPP", usage="T")
SEPARATORS = Separators()


def _po(lines=None, currency="USD", **changes) -> PurchaseOrder:
    values = {
        "number": "1042-1",
        "sequence": 1,
        "saleor_order_id": "T3JkZXI6MQ==",
        "order_number": "1042",
        "vendor_id": 1,
        "vendor_name": "Acme",
        "currency": currency,
        "ship_to": Address(
            first_name="Ada",
            last_name="Lovelace",
            company_name="Engines LLC",
            street_address_1="1 Main St",
            street_address_2="Apt 4",
            city="Springfield",
            postal_code="62701",
            country_code="US",
            country_area="IL",
            phone="+15555550100",
        ),
        "customer_email": "ada@example.com",
        "lines": lines
        or [
            POLine("L1", "SKU-1", "A-1", "Shirt", "M", 2, Money(Decimal("10.50"), currency)),
            POLine("L2", "SKU-2", "A-2", "Mug", "", 1, Money(Decimal("4"), currency)),
        ],
    }
    values.update(changes)
    return PurchaseOrder(**values)  # type: ignore[arg-type]


HAND_CHECKED_850 = (
    "ISA*00*          *00*          *ZZ*DROPSHIPSHOP   *12*5551234567     *261201*0930*U*00401"
    "*000000007*1*T*>~\n"
    "GS*PO*DROPSHIP*ACMEAPP*20261201*0930*7*X*004010~\n"
    "ST*850*0001~\n"
    "BEG*00*DS*1042-1**20261201~\n"
    "REF*CO*1042~\n"
    "PER*BD*Polygon Shop*EM*buyer@shop.test~\n"
    "N1*ST*Ada Lovelace~\n"
    "N2*Engines LLC~\n"
    "N3*1 Main St*Apt 4~\n"
    "N4*Springfield*IL*62701*US~\n"
    "PER*IC*Ada Lovelace*TE*+15555550100*EM*ada@example.com~\n"
    "PO1*1*2*EA*10.5**VP*A-1*SK*SKU-1~\n"
    "PID*F****Shirt (M)~\n"
    "PO1*2*1*EA*4**VP*A-2*SK*SKU-2~\n"
    "PID*F****Mug~\n"
    "CTT*2*3~\n"
    "SE*15*0001~\n"
    "GE*1*7~\n"
    "IEA*1*000000007~\n"
)
BUYER = docs.Buyer("Polygon Shop", "buyer@shop.test")


def _850(po, separators=SEPARATORS, control=7):
    body = docs.write_850(po, BUYER, separators, AT)
    return write_interchange(ENVELOPE, separators, control, AT, [("850", body)])


def test_850_matches_the_hand_checked_document():
    text = _850(_po())
    assert text == HAND_CHECKED_850
    assert len(text.splitlines()[0]) == 106  # ISA is fixed width


def test_850_in_another_currency_carries_cur():
    text = _850(_po(currency="EUR"))
    assert "BEG*00*DS*1042-1**20261201~\nCUR*BY*EUR~\nREF*CO*1042~" in text
    assert "SE*16*0001~" in text


def test_reader_gives_back_the_po():
    interchange = read_interchange(HAND_CHECKED_850)
    assert (interchange.control_number, interchange.sender_id, interchange.usage) == (
        7,
        "DROPSHIPSHOP",
        "T",
    )
    [(group, transaction)] = interchange.transactions
    assert (group.functional_id, group.control_number, transaction.control_number) == (
        "PO",
        7,
        "0001",
    )
    read = docs.read_850(transaction)
    assert read.po_number == "1042-1"
    assert read.ship_to.city == "Springfield"
    assert [(x.number, x.quantity, x.unit_price, x.vendor_sku, x.sku) for x in read.lines] == [
        ("1", 2, Decimal("10.5"), "A-1", "SKU-1"),
        ("2", 1, Decimal("4"), "A-2", "SKU-2"),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("SE*15*0001~", "SE*14*0001~"), "SE01"),
        (("SE*15*0001~", "SE*15*0002~"), "SE02"),
        (("GE*1*7~", "GE*2*7~"), "GE01"),
        (("GE*1*7~", "GE*1*8~"), "GE02"),
        (("IEA*1*000000007~", "IEA*1*000000008~"), "IEA02"),
        (("IEA*1*000000007~\n", "IEA*1*000000007"), "terminator"),
        (("*U*00401*", "*U*0040*"), "ISA12"),
        (("CTT*2*3~", "CTT*3*3~"), "CTT01"),
        (("PO1*2*1*EA*4*", "PO1*2*x*EA*4*"), "PO102"),
    ],
)
def test_reader_is_strict(change, message):
    broken = HAND_CHECKED_850.replace(*change)
    with pytest.raises(X12Error, match=message):
        docs.read_850(read_interchange(broken).transactions[0][1])


def test_separators_inside_identifiers_are_refused_and_free_text_is_cleaned():
    with pytest.raises(X12Error, match="separator"):
        _850(_po(number="1042*1"))
    bad_sku = POLine("L1", "SK~U", "", "Shirt", "", 1, Money(Decimal("1"), "USD"))
    with pytest.raises(X12Error, match="separator"):
        _850(_po(lines=[bad_sku]))
    named = POLine("L1", "S", "", "Shirt *Deluxe*~", "", 1, Money(Decimal("1"), "USD"))
    text = _850(_po(lines=[named]))
    assert "PID*F****Shirt Deluxe~" in text
    assert docs.read_850(read_interchange(text).transactions[0][1]).lines[0].description == (
        "Shirt Deluxe"
    )


# Any PO the app can hold round-trips: identifiers exactly (or refused), free text as cleaned.
_id_chars = string.ascii_letters + string.digits + "-_./ #*~>"
identifiers = st.text(_id_chars, min_size=1, max_size=20).map(str.strip).filter(bool)
free_text = st.text(max_size=70)
amounts = st.decimals(min_value=0, max_value=Decimal("99999999.9999"), places=4)
lines = st.builds(
    POLine,
    order_line_id=st.text(string.ascii_letters, min_size=1, max_size=8),
    sku=st.one_of(st.just(""), identifiers),
    vendor_sku=st.one_of(st.just(""), identifiers),
    product_name=free_text,
    variant_name=free_text,
    quantity=st.integers(min_value=1, max_value=100_000),
    unit_cost=amounts.map(lambda a: Money(a, "USD")),
)
addresses = st.builds(
    Address,
    first_name=free_text,
    last_name=free_text,
    company_name=free_text,
    street_address_1=free_text,
    street_address_2=free_text,
    city=free_text,
    postal_code=st.text(string.ascii_uppercase + string.digits + " -", max_size=10),
    country_code=st.sampled_from(["US", "CA", "DE", "GB"]),
    country_area=st.text(string.ascii_uppercase, max_size=2),
    phone=st.text(string.digits + "+", max_size=15),
)
separator_sets = st.sampled_from(
    [Separators(), Separators("|", "^", "\n"), Separators("*", ":", "'")]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    number=identifiers,
    po_lines=st.lists(lines, min_size=1, max_size=6),
    ship_to=addresses,
    currency=st.sampled_from(["USD", "EUR", "CAD"]),
    separators=separator_sets,
)
def test_any_po_round_trips_through_an_850(number, po_lines, ship_to, currency, separators):
    po_lines = [
        POLine(
            x.order_line_id,
            x.sku,
            x.vendor_sku,
            x.product_name,
            x.variant_name,
            x.quantity,
            Money(x.unit_cost.amount, currency),
        )
        for x in po_lines
    ]
    po = _po(lines=po_lines, number=number, currency=currency, ship_to=ship_to)
    identifiers_used = [number] + [x.sku for x in po_lines] + [x.vendor_sku for x in po_lines]
    if any(c in separators.all for value in identifiers_used for c in value):
        with pytest.raises(X12Error, match="separator"):
            _850(po, separators)
        return
    read = docs.read_850(read_interchange(_850(po, separators)).transactions[0][1])
    assert (read.po_number, read.currency, read.order_number) == (number, currency, "1042")
    assert read.ship_to.city == plain_text(ship_to.city, separators, 30)
    assert read.ship_to.street_address_1 in (
        plain_text(ship_to.street_address_1, separators, 55),
        plain_text(ship_to.street_address_2, separators, 55),
        "",
    )
    assert read.ship_to.postal_code == plain_text(ship_to.postal_code, separators, 15)
    assert read.ship_to.country_area == ship_to.country_area
    assert [(x.number, x.quantity, x.unit_price, x.vendor_sku, x.sku) for x in read.lines] == [
        (str(i), x.quantity, x.unit_cost.amount, x.vendor_sku, x.sku)
        for i, x in enumerate(po_lines, start=1)
    ]
    assert [x.description for x in read.lines] == [
        plain_text(docs.description(x.product_name, x.variant_name), separators, 80)
        for x in po_lines
    ]


@given(value=st.text(min_size=1, max_size=30), separators=separator_sets)
def test_plain_text_never_carries_a_separator(value, separators):
    cleaned = plain_text(value, separators, 80)
    assert not set(cleaned) & set(separators.all)
    assert cleaned.isascii() and cleaned.isprintable()


def test_997_855_856_810_read_back_what_the_vendor_wrote():
    ack = read_interchange(
        write_interchange(
            ENVELOPE, SEPARATORS, 9, AT, [("997", docs.write_997("PO", 7, [("850", "0001")]))]
        )
    ).transactions[0][1]
    assert docs.read_997(ack) == docs.FunctionalAck(
        "PO", 7, True, (docs.TransactionAck("850", "0001", True, ""),)
    )
    rejection = docs.write_997_rejection("PO", 7, "850", "0001", "5")
    read = docs.read_997(
        read_interchange(
            write_interchange(ENVELOPE, SEPARATORS, 10, AT, [("997", rejection)])
        ).transactions[0][1]
    )
    assert (read.accepted, read.transactions[0].reason) == (False, "one or more segments in error")
    line_acks = [
        docs.LineAck("1", "A-1", "SKU-1", docs.LineStatus.ACCEPTED, 2),
        docs.LineAck("2", "A-2", "", docs.LineStatus.BACKORDERED, 1, date(2026, 12, 20)),
    ]
    text = write_interchange(
        ENVELOPE, SEPARATORS, 11, AT, [("855", docs.write_855("1042-1", AT.date(), line_acks))]
    )
    assert docs.read_855(read_interchange(text).transactions[0][1]).lines == tuple(line_acks)
    order = docs.OrderShipment(
        "1042-1",
        "UPSN",
        ["1Z999AA10123456784", "1Z999AA10123456795"],
        [docs.ShippedLine("1", "A-1", "SKU-1", 2, 0), docs.ShippedLine("2", "A-2", "SKU-2", 1, 1)],
    )
    text = write_interchange(
        ENVELOPE, SEPARATORS, 12, AT, [("856", docs.write_856("SH1", AT, [order]))]
    )
    notice = docs.read_856(read_interchange(text).transactions[0][1])
    assert notice.orders == (order,)
    invoice = docs.Invoice(
        "INV-1",
        "1042-1",
        AT.date(),
        (docs.InvoiceLine("1", "A-1", "", 2, Decimal("10.5")),),
        Decimal("21.00"),
    )
    text = write_interchange(ENVELOPE, SEPARATORS, 13, AT, [("810", docs.write_810(invoice))])
    assert docs.read_810(read_interchange(text).transactions[0][1]) == invoice


def test_trading_partner_form_reports_every_bad_field():
    with pytest.raises(DomainValidationError) as caught:
        clean_trading_partner(
            {"sender_id": "", "element_separator": "*", "segment_terminator": "*", "usage": "X"}, 1
        )
    assert {"sender_id", "receiver_id", "element_separator", "usage", "sftp_host"} <= set(
        caught.value.errors
    )
    partner = clean_trading_partner(
        {
            "sender_id": "shop",
            "receiver_id": "acme",
            "sftp_host": "sftp.acme.test",
            "sftp_username": "shop",
            "sftp_password": "pw",
        },
        1,
    )
    assert (partner.application_sender, partner.envelope.usage) == ("SHOP", "T")
    assert (partner.mark_resends, partner.send_ship_date) == (False, False)


def test_a_requested_ship_date_goes_in_dtm_010_after_the_header_contact():
    body = docs.write_850(_po(), BUYER, SEPARATORS, AT, ship_by=date(2026, 12, 4))
    text = write_interchange(ENVELOPE, SEPARATORS, 8, AT, [("850", body)])
    assert "PER*BD*Polygon Shop*EM*buyer@shop.test~\nDTM*010*20261204~\nN1*ST*" in text
    read = docs.read_850(read_interchange(text).transactions[0][1])
    assert (read.ship_by, read.purpose) == (date(2026, 12, 4), "00")
    assert docs.read_850(read_interchange(HAND_CHECKED_850).transactions[0][1]).ship_by is None

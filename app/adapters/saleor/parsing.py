"""Saleor's JSON into the domain's typed objects: the only place that reads its camelCase fields.

Shapes follow graphql/order_details.graphql (also returned by the app's order mutations),
graphql/product_variants.graphql and the webhook subscriptions in webhooks/.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.money import Money
from app.domain.orders import Address, Allocation, Fulfilment, OrderInfo, OrderLine
from app.domain.payments import OrderPayments, Transaction, TransactionEvent
from app.domain.products import ProductInfo, VariantInfo
from app.domain.risk.facts import PaymentEvent, RiskFacts, RiskLine
from app.domain.webhooks import WebhookPayload, WebhookSubscription


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def _optional_id(data: Mapping[str, Any]) -> str | None:
    value = data.get("id")
    return str(value) if value else None


def _money(data: Any) -> Money | None:
    gross = _map(_map(data).get("gross")) or _map(data)
    try:
        return Money(Decimal(str(gross["amount"])), str(gross["currency"]))
    except (KeyError, InvalidOperation):
        return None


def parse_address(data: Any) -> Address | None:
    address = _map(data)
    if not address:
        return None
    country = address.get("country")
    code = _text(country, "code") if isinstance(country, Mapping) else str(country or "")
    return Address(
        first_name=_text(address, "firstName"),
        last_name=_text(address, "lastName"),
        company_name=_text(address, "companyName"),
        street_address_1=_text(address, "streetAddress1"),
        street_address_2=_text(address, "streetAddress2"),
        city=_text(address, "city"),
        postal_code=_text(address, "postalCode"),
        country_code=code,
        country_area=_text(address, "countryArea"),
        phone=_text(address, "phone"),
    )


def address_json(address: Address) -> dict[str, Any]:
    """An Address in Saleor's shape (how purchase orders have always stored their ship-to)."""
    return {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "companyName": address.company_name,
        "streetAddress1": address.street_address_1,
        "streetAddress2": address.street_address_2,
        "city": address.city,
        "postalCode": address.postal_code,
        "country": {"code": address.country_code},
        "countryArea": address.country_area,
        "phone": address.phone,
    }


def parse_line(data: Mapping[str, Any]) -> OrderLine:
    variant = _map(data.get("variant"))
    product = _map(variant.get("product"))
    allocations = tuple(
        Allocation(
            warehouse_id=str(_map(a.get("warehouse"))["id"]),
            warehouse_name=_text(_map(a.get("warehouse")), "name"),
            quantity=int(a.get("quantity") or 0),
        )
        for a in _list(data.get("allocations"))
        if _map(a.get("warehouse")).get("id")
    )
    return OrderLine(
        id=str(data["id"]),
        product_id=_optional_id(product),
        variant_id=_optional_id(variant) or (str(data.get("productVariantId") or "") or None),
        sku=_text(data, "productSku") or _text(variant, "sku"),
        product_name=_text(data, "productName") or _text(product, "name"),
        variant_name=_text(data, "variantName"),
        quantity=int(data.get("quantity") or 0),
        quantity_fulfilled=int(data.get("quantityFulfilled") or 0),
        unit_price=_money(data.get("unitPrice")),
        allocations=allocations,
    )


def parse_fulfilment(data: Mapping[str, Any]) -> Fulfilment:
    quantities: dict[str, int] = {}
    for line in _list(data.get("lines")):
        line_id = str(_map(line.get("orderLine"))["id"])
        quantities[line_id] = quantities.get(line_id, 0) + int(line.get("quantity") or 0)
    return Fulfilment(
        id=str(data["id"]),
        status=_text(data, "status"),
        tracking_number=_text(data, "trackingNumber"),
        warehouse_id=_optional_id(_map(data.get("warehouse"))),
        quantities=tuple(sorted(quantities.items())),
    )


def parse_order(data: Mapping[str, Any]) -> OrderInfo:
    """An order from OrderDetails (or a mutation answering the same fields); keeps the raw JSON."""
    return OrderInfo(
        id=str(data["id"]),
        number=_text(data, "number"),
        status=_text(data, "status"),
        updated_at=_text(data, "updatedAt"),
        customer_email=_text(data, "userEmail"),
        shipping_address=parse_address(data.get("shippingAddress")),
        lines=tuple(parse_line(line) for line in _list(data.get("lines"))),
        fulfilments=tuple(
            parse_fulfilment(f) for f in _list(data.get("fulfillments")) if f.get("id")
        ),
        is_paid=bool(data.get("isPaid")),
        charge_status=_text(data, "chargeStatus"),
        total=_money(data.get("total")),
        created_at=_created(data),
        shipping_method_name=_text(data, "shippingMethodName"),
        authorize_status=_text(data, "authorizeStatus"),
        raw=dict(data),
    )


def parse_product(data: Mapping[str, Any]) -> ProductInfo:
    variants = tuple(
        VariantInfo(id=str(v["id"]), sku=_text(v, "sku"), name=_text(v, "name"))
        for v in _list(data.get("variants"))
        if v.get("id")
    )
    return ProductInfo(id=str(data["id"]), name=_text(data, "name"), variants=variants)


def manifest_subscriptions(manifest: Mapping[str, Any]) -> list[WebhookSubscription]:
    """The webhooks of a served manifest (adapters/saleor/manifest.py builds it)."""
    return [
        WebhookSubscription(
            name=str(hook["name"]),
            target_url=str(hook["targetUrl"]),
            query=str(hook["query"]),
            async_events=tuple(str(event) for event in hook.get("asyncEvents") or ()),
        )
        for hook in _list(manifest.get("webhooks"))
    ]


def parse_webhook_payload(payload: Mapping[str, Any]) -> WebhookPayload:
    """The parts of a webhook body the app acts on (see the subscriptions in webhooks/)."""
    principal = _map(payload.get("issuingPrincipal"))
    order_id = _map(payload.get("order")).get("id")
    app_id = _map(payload.get("app")).get("id")
    type_name = payload.get("__typename")
    return WebhookPayload(
        type_name=type_name if isinstance(type_name, str) else None,
        issued_by_id=str(principal["id"]) if principal.get("id") else None,
        order_id=order_id if isinstance(order_id, str) else None,
        app_id=str(app_id) if app_id is not None else None,
    )


def _card_key(card: Mapping[str, Any]) -> str:
    """Brand, last digits and expiry: the nearest Saleor has to a card fingerprint."""
    last = _text(card, "lastDigits")
    if not last:
        return ""
    expiry = f"{card.get('expMonth') or ''}/{card.get('expYear') or ''}"
    return f"{_text(card, 'brand').lower()}-{last}-{expiry}"


def _created(data: Mapping[str, Any]) -> datetime | None:
    try:
        created = datetime.fromisoformat(_text(data, "created"))
    except ValueError:
        return None
    return created if created.tzinfo is not None else created.replace(tzinfo=UTC)


def parse_risk_facts(data: Mapping[str, Any], customer_order_count: int | None) -> RiskFacts:
    """An order from graphql/order_risk.graphql, with the count of the customer's orders from
    graphql/customer_order_count.graphql (None when it was not asked)."""
    payments = _list(data.get("payments"))
    transactions = _list(data.get("transactions"))
    cards = [_card_key(_map(p.get("creditCard"))) for p in payments]
    cards += [_card_key(_map(t.get("paymentMethodDetails"))) for t in transactions]
    events = tuple(
        PaymentEvent(kind=_text(event, "type"), message=_text(event, "message")[:500])
        for transaction in transactions
        for event in _list(transaction.get("events"))
    )
    references = [_text(p, "pspReference") for p in (*transactions, *payments)]
    ips = [_text(p, "customerIpAddress") for p in payments]
    return RiskFacts(
        order_id=str(data["id"]),
        number=_text(data, "number"),
        created_at=_created(data),
        email=_text(data, "userEmail"),
        user_id=_optional_id(_map(data.get("user"))),
        customer_order_count=customer_order_count,
        billing_address=parse_address(data.get("billingAddress")),
        shipping_address=parse_address(data.get("shippingAddress")),
        total=_money(data.get("total")),
        lines=tuple(
            RiskLine(
                variant_id=_text(line, "productVariantId"),
                name=" ".join(
                    part
                    for part in (_text(line, "productName"), _text(line, "variantName"))
                    if part
                ),
                quantity=int(line.get("quantity") or 0),
            )
            for line in _list(data.get("lines"))
        ),
        ip_addresses=tuple(dict.fromkeys(ip for ip in ips if ip)),
        payment_events=events,
        psp_references=tuple(dict.fromkeys(ref for ref in references if ref)),
        card_key=next((card for card in cards if card), ""),
    )


def _amount(data: Any) -> Decimal:
    value = _map(data).get("amount")
    return Decimal(str(value)) if value is not None else Decimal("0")


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def parse_transaction(data: Mapping[str, Any], currency: str = "") -> Transaction:
    """A TransactionItem (graphql fragment PaymentTransaction)."""
    events = tuple(
        TransactionEvent(
            id=str(event.get("id") or ""),
            type=_text(event, "type"),
            amount=_amount(event.get("amount")),
            message=_text(event, "message"),
            psp_reference=_text(event, "pspReference"),
            created_at=_moment(event.get("createdAt")),
            created_by=_map(event.get("createdBy")).get("__typename") or None,
        )
        for event in _list(data.get("events"))
    )
    authorized = _map(data.get("authorizedAmount"))
    return Transaction(
        id=str(data["id"]),
        name=_text(data, "name"),
        psp_reference=_text(data, "pspReference"),
        actions=frozenset(str(a) for a in data.get("actions") or ()),
        currency=str(authorized.get("currency") or currency),
        authorized=_amount(authorized),
        charged=_amount(data.get("chargedAmount")),
        charge_pending=_amount(data.get("chargePendingAmount")),
        canceled=_amount(data.get("canceledAmount")),
        events=events,
        owned_by_app=_map(data.get("createdBy")).get("__typename") == "App",
    )


def parse_order_payments(data: Mapping[str, Any]) -> OrderPayments:
    """An order from OrderPayments: totals, customer and transactions."""
    total = _map(_map(data.get("total")).get("gross"))
    currency = str(total.get("currency") or "")
    return OrderPayments(
        order_id=str(data["id"]),
        number=_text(data, "number"),
        currency=currency,
        total=_amount(total),
        charged_total=_amount(data.get("totalCharged")),
        charge_status=_text(data, "chargeStatus"),
        customer_email=_text(data, "userEmail"),
        channel_name=_text(_map(data.get("channel")), "name"),
        transactions=tuple(parse_transaction(t, currency) for t in _list(data.get("transactions"))),
    )

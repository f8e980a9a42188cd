"""The SaleorGateway port: API access per installation and JWKS fetching."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

import requests
from graphql import GraphQLSchema

from app.adapters.saleor.client import SaleorClient
from app.adapters.saleor.documents import Documents
from app.adapters.saleor.parsing import (
    parse_fulfilment,
    parse_order,
    parse_order_payments,
    parse_product,
    parse_risk_facts,
    parse_transaction,
    parse_webhook_payload,
)
from app.adapters.saleor.schemas import SchemaRegistry
from app.domain.installations import jwks_url
from app.domain.orders import Fulfilment, OrderInfo
from app.domain.payments import OrderPayments, PaymentAction, Transaction
from app.domain.products import ProductInfo
from app.domain.risk.facts import RiskFacts
from app.domain.shop_schemas import ShopSchema
from app.domain.webhooks import WebhookPayload
from app.services.ports import (
    Fulfilled,
    FulfilLine,
    SaleorRefused,
    SaleorUnavailable,
    VariantRef,
)

SKU_BATCH = 100


class SaleorApiAdapter:
    """The queries and mutations the services use, for one Saleor and token."""

    def __init__(self, client: SaleorClient) -> None:
        self._client = client

    def fetch_app_id(self) -> str:
        data = self._client.execute("AppId")
        app = data.get("app") or {}
        if not app.get("id"):
            raise SaleorRefused("Saleor did not say which app this token belongs to.")
        return str(app["id"])

    def fetch_order(self, order_id: str) -> OrderInfo | None:
        return _order(self._client.execute("OrderDetails", {"id": order_id}))

    def fetch_risk_facts(self, order_id: str) -> RiskFacts | None:
        """The order as the risk review reads it, with the count of the customer's orders."""
        order = self._client.execute("OrderRisk", {"id": order_id}).get("order")
        if not isinstance(order, Mapping):
            return None
        count: int | None = None
        email = order.get("userEmail")
        if isinstance(email, str) and email:
            found = self._client.execute("CustomerOrderCount", {"email": email}).get("orders")
            total = found.get("totalCount") if isinstance(found, Mapping) else None
            count = total if isinstance(total, int) else None
        return parse_risk_facts(order, count)

    def variants_by_sku(self, skus: list[str]) -> dict[str, VariantRef]:
        found: dict[str, VariantRef] = {}
        unique = sorted(set(skus))
        for start in range(0, len(unique), SKU_BATCH):
            batch = unique[start : start + SKU_BATCH]
            data = self._client.execute("VariantsBySku", {"skus": batch})
            for edge in (data.get("productVariants") or {}).get("edges") or []:
                node = edge["node"]
                if node.get("sku") in batch:
                    found[node["sku"]] = VariantRef(
                        variant_id=node["id"],
                        sku=node["sku"],
                        product_id=node["product"]["id"],
                        product_name=node["product"]["name"],
                        variant_name=node.get("name") or "",
                    )
        return found

    def fetch_product(self, product_id: str) -> ProductInfo | None:
        product = self._client.execute("ProductVariants", {"id": product_id}).get("product")
        return parse_product(product) if isinstance(product, Mapping) else None

    def write_back(
        self,
        order_id: str,
        note: str,
        private_metadata: Mapping[str, str],
        metadata: Mapping[str, str],
    ) -> None:
        self._client.execute(
            "OrderWriteBack",
            {
                "id": order_id,
                "note": {"message": note},
                "private": [{"key": k, "value": v} for k, v in private_metadata.items()],
                "public": [{"key": k, "value": v} for k, v in metadata.items()],
            },
        )

    def fetch_private_metafield(self, object_id: str, key: str) -> str | None:
        order = self._client.execute("OrderPrivateMetafield", {"id": object_id, "key": key})
        value = (order.get("order") or {}).get("privateMetafield")
        return None if value is None else str(value)

    def confirm_order(self, order_id: str) -> OrderInfo | None:
        return _order(self._client.execute("OrderConfirm", {"id": order_id}).get("orderConfirm"))

    def cancel_order(self, order_id: str) -> OrderInfo | None:
        return _order(self._client.execute("OrderCancel", {"id": order_id}).get("orderCancel"))

    def fulfil(
        self,
        order_id: str,
        lines: list[FulfilLine],
        tracking_number: str,
        *,
        notify_customer: bool,
        allow_stock_to_be_exceeded: bool,
    ) -> Fulfilled:
        by_line: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            by_line.setdefault(line.order_line_id, []).append(
                {"quantity": line.quantity, "warehouse": line.warehouse_id}
            )
        data = self._client.execute(
            "OrderFulfill",
            {
                "order": order_id,
                "input": {
                    "lines": [{"orderLineId": k, "stocks": v} for k, v in by_line.items()],
                    "trackingNumber": tracking_number,
                    "notifyCustomer": notify_customer,
                    "allowStockToBeExceeded": allow_stock_to_be_exceeded,
                },
            },
        )
        answer = data.get("orderFulfill") or {}
        fulfilments = [parse_fulfilment(f) for f in answer.get("fulfillments") or []]
        return Fulfilled(fulfilments, _order(answer))

    def fetch_fulfilments(self, order_id: str) -> list[Fulfilment]:
        order = self._client.execute("OrderFulfillments", {"id": order_id}).get("order") or {}
        return [parse_fulfilment(f) for f in order.get("fulfillments") or []]

    def update_tracking(
        self, fulfilment_id: str, tracking_number: str, notify_customer: bool
    ) -> None:
        self._client.execute(
            "FulfillmentUpdateTracking",
            {
                "id": fulfilment_id,
                "input": {"trackingNumber": tracking_number, "notifyCustomer": notify_customer},
            },
        )

    def cancel_fulfilment(self, fulfilment_id: str, warehouse_id: str) -> OrderInfo | None:
        data = self._client.execute(
            "FulfillmentCancel", {"id": fulfilment_id, "input": {"warehouseId": warehouse_id}}
        )
        return _order(data.get("orderFulfillmentCancel"))

    def approve_fulfilment(self, fulfilment_id: str, notify_customer: bool) -> OrderInfo | None:
        data = self._client.execute(
            "FulfillmentApprove",
            {
                "id": fulfilment_id,
                "notifyCustomer": notify_customer,
                "allowStockToBeExceeded": True,
            },
        )
        return _order(data.get("orderFulfillmentApprove"))

    def fetch_order_payments(self, order_id: str) -> OrderPayments | None:
        order = self._client.execute("OrderPayments", {"id": order_id}).get("order")
        return parse_order_payments(order) if isinstance(order, Mapping) else None

    def request_transaction_action(
        self, transaction_id: str, action: PaymentAction, amount: Decimal | None
    ) -> Transaction | None:
        variables: dict[str, Any] = {"id": transaction_id, "action": action.value}
        if amount is not None:
            variables["amount"] = str(amount)
        data = self._client.execute("TransactionRequestAction", variables)
        found = (data.get("transactionRequestAction") or {}).get("transaction")
        return parse_transaction(found) if isinstance(found, Mapping) else None

    def warehouses(self) -> list[tuple[str, str]]:
        edges = (self._client.execute("Warehouses").get("warehouses") or {}).get("edges") or []
        return [(edge["node"]["id"], edge["node"]["name"]) for edge in edges]

    def webhook_queries(self) -> dict[str, tuple[str, str]]:
        app = self._client.execute("AppWebhooks").get("app") or {}
        return {
            str(hook["name"]): (str(hook["id"]), str(hook.get("subscriptionQuery") or ""))
            for hook in app.get("webhooks") or []
        }

    def update_webhook_query(self, webhook_id: str, query: str) -> None:
        self._client.execute("WebhookUpdate", {"id": webhook_id, "input": {"query": query}})

    def fetch_saleor_version(self) -> str:
        return str((self._client.execute("ShopVersion").get("shop") or {}).get("version") or "")

    def create_webhook(
        self, *, name: str, target_url: str, query: str, async_events: list[str]
    ) -> None:
        self._client.execute(
            "WebhookCreate",
            {
                "input": {
                    "name": name,
                    "targetUrl": target_url,
                    "query": query,
                    "asyncEvents": async_events,
                    "isActive": True,
                }
            },
        )


def _order(answer: Mapping[str, Any] | None) -> OrderInfo | None:
    """The ``order`` of a query or mutation answer (OrderFields), typed."""
    order = (answer or {}).get("order")
    return parse_order(order) if isinstance(order, Mapping) else None


class SchemaStore(Protocol):
    """Where the gateway finds which schema each Saleor answered with."""

    def sha_for(self, api_url: str) -> str | None: ...

    def introspection(self, sha256: str) -> bytes | None: ...

    def save_for(self, api_url: str, schema: ShopSchema) -> None: ...

    def forget(self, api_url: str | None = None) -> None: ...


class SaleorHttpGateway:
    """Saleor clients that check each document against the shop's own schema.

    With ``schema`` every shop is checked against that one (tests and benchmarks); otherwise
    against the schema stored for the shop at install (read once if none is stored yet).
    """

    def __init__(
        self,
        *,
        documents: Documents,
        subscriptions: Documents,
        timeout: float,
        read_retries: int = 3,
        backoff_seconds: float = 0.5,
        schema: GraphQLSchema | None = None,
        schema_store: SchemaStore | None = None,
        on_validation_error: Callable[[str], None] = lambda api_url: None,
    ) -> None:
        self._documents = documents
        self._timeout = timeout
        self._read_retries = read_retries
        self._backoff_seconds = backoff_seconds
        self._session = requests.Session()
        self._store = schema_store
        self._on_validation_error = on_validation_error
        self._just_read: dict[str, str] = {}
        load = schema_store.introspection if schema_store else (lambda sha: None)
        self.schemas = SchemaRegistry(documents, subscriptions, load)
        self._fixed_key = f"fixed-{id(schema)}"
        if schema is not None:
            self.schemas.add_fixed(self._fixed_key, schema)
        self._fixed = schema is not None

    def _schema_sha(self, api_url: str, token: str) -> str:
        if self._fixed or self._store is None:
            return self._fixed_key
        sha = self._store.sha_for(api_url) or self._just_read.get(api_url)
        if sha is None:  # installed before schemas were stored: read it now, once
            shop_schema = self.read_schema(api_url, token)
            self._store.save_for(api_url, shop_schema)
            sha = shop_schema.sha256
        return sha

    def client(self, api_url: str, token: str) -> SaleorClient:
        def check(operation: str) -> None:
            self.schemas.check(self._schema_sha(api_url, token), operation)

        return SaleorClient(
            api_url,
            token,
            check=check,
            documents=self._documents,
            timeout=self._timeout,
            read_retries=self._read_retries,
            backoff_seconds=self._backoff_seconds,
            on_validation_error=lambda: self._on_validation_error(api_url),
        )

    def api(self, api_url: str, token: str) -> SaleorApiAdapter:
        return SaleorApiAdapter(self.client(api_url, token))

    def parse_webhook(self, payload: Mapping[str, Any]) -> WebhookPayload:
        return parse_webhook_payload(payload)

    def read_schema(self, api_url: str, token: str) -> ShopSchema:
        """Introspect; until it is stored, this Saleor's documents are checked against it."""
        schema = self.schemas.read(self._session, api_url, token, self._timeout)
        self._just_read[api_url] = schema.sha256
        return schema

    def forget_schema(self, api_url: str) -> None:
        self._just_read.pop(api_url, None)
        if self._store is not None:
            self._store.forget(api_url)

    def fetch_jwks(self, api_url: str) -> dict[str, Any]:
        """GET the Saleor's public keys; any failure is temporary (answer 503, Saleor retries)."""
        url = jwks_url(api_url)
        try:
            response = self._session.get(url, timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as error:
            raise SaleorUnavailable(f"Could not fetch {url}: {type(error).__name__}") from None
        if response.status_code != 200:
            raise SaleorUnavailable(f"{url} answered HTTP {response.status_code}")
        try:
            jwks = response.json()
        except ValueError:
            raise SaleorUnavailable(f"{url} did not answer JSON") from None
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise SaleorUnavailable(f"{url} did not answer a JWKS document")
        return jwks

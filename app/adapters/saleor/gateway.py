"""The SaleorGateway port: API access per installation and JWKS fetching."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from graphql import GraphQLSchema

from app.adapters.saleor.client import SaleorClient
from app.adapters.saleor.documents import Documents
from app.domain.installations import jwks_url
from app.services.ports import (
    FulfilLine,
    FulfilmentInfo,
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

    def fetch_order(self, order_id: str) -> Mapping[str, Any] | None:
        data = self._client.execute("OrderDetails", {"id": order_id})
        order = data.get("order")
        return order if isinstance(order, Mapping) else None

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

    def fetch_product(self, product_id: str) -> Mapping[str, Any] | None:
        product = self._client.execute("ProductVariants", {"id": product_id}).get("product")
        return product if isinstance(product, Mapping) else None

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

    def confirm_order(self, order_id: str) -> str:
        data = self._client.execute("OrderConfirm", {"id": order_id})
        return str(((data.get("orderConfirm") or {}).get("order") or {}).get("status") or "")

    def fulfil(
        self,
        order_id: str,
        lines: list[FulfilLine],
        tracking_number: str,
        *,
        notify_customer: bool,
        allow_stock_to_be_exceeded: bool,
    ) -> list[FulfilmentInfo]:
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
        return [_fulfilment(f) for f in (data.get("orderFulfill") or {}).get("fulfillments") or []]

    def fetch_fulfilments(self, order_id: str) -> list[FulfilmentInfo]:
        order = self._client.execute("OrderFulfillments", {"id": order_id}).get("order") or {}
        return [_fulfilment(f) for f in order.get("fulfillments") or []]

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

    def cancel_fulfilment(self, fulfilment_id: str, warehouse_id: str) -> None:
        self._client.execute(
            "FulfillmentCancel", {"id": fulfilment_id, "input": {"warehouseId": warehouse_id}}
        )

    def approve_fulfilment(self, fulfilment_id: str, notify_customer: bool) -> None:
        self._client.execute(
            "FulfillmentApprove",
            {
                "id": fulfilment_id,
                "notifyCustomer": notify_customer,
                "allowStockToBeExceeded": True,
            },
        )

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


def _fulfilment(data: Mapping[str, Any]) -> FulfilmentInfo:
    warehouse = data.get("warehouse") or {}
    quantities: dict[str, int] = {}
    for line in data.get("lines") or []:
        line_id = line["orderLine"]["id"]
        quantities[line_id] = quantities.get(line_id, 0) + int(line["quantity"])
    return FulfilmentInfo(
        id=str(data["id"]),
        status=str(data.get("status") or ""),
        tracking_number=str(data.get("trackingNumber") or ""),
        warehouse_id=warehouse.get("id"),
        quantities=tuple(sorted(quantities.items())),
    )


class SaleorHttpGateway:
    def __init__(
        self,
        *,
        schema: GraphQLSchema,
        documents: Documents,
        timeout: float,
        read_retries: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self._schema = schema
        self._documents = documents
        self._timeout = timeout
        self._read_retries = read_retries
        self._backoff_seconds = backoff_seconds
        self._session = requests.Session()

    def client(self, api_url: str, token: str) -> SaleorClient:
        return SaleorClient(
            api_url,
            token,
            schema=self._schema,
            documents=self._documents,
            timeout=self._timeout,
            read_retries=self._read_retries,
            backoff_seconds=self._backoff_seconds,
        )

    def api(self, api_url: str, token: str) -> SaleorApiAdapter:
        return SaleorApiAdapter(self.client(api_url, token))

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

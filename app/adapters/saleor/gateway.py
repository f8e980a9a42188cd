"""The SaleorGateway port: API access per installation and JWKS fetching."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from graphql import GraphQLSchema

from app.adapters.saleor.client import SaleorClient
from app.adapters.saleor.documents import Documents
from app.domain.installations import jwks_url
from app.services.ports import SaleorRefused, SaleorUnavailable, VariantRef

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

"""FakeSaleor's test-data API: catalog, stock, shop settings, apps and order inspection."""

from __future__ import annotations

import copy
from typing import Any

from .auth import APP_TOKEN_LENGTH
from .data import DataStore
from .models import InstalledApp
from .tokens import random_token


class StateAccess:
    """Mixin over `self.store` (a DataStore)."""

    store: DataStore

    def add_product(self, product: dict[str, Any]) -> None:
        """Serve a product {id, name, variants[{id, sku, name}], metadata, privateMetadata}."""
        self.store.add_product(product)

    def add_warehouse(self, warehouse: dict[str, Any]) -> None:
        """Serve a warehouse {id, name, slug?, isPrivate?, companyName?} (one is seeded)."""
        self.store.add_warehouse(warehouse)

    def set_stock(self, variant_id: str, warehouse_id: str, quantity: int | None) -> None:
        """Set the variant's Stock row in the warehouse (None removes the row)."""
        self.store.set_stock(variant_id, warehouse_id, quantity)

    def stock(self, variant_id: str, warehouse_id: str) -> int | None:
        """The Stock row's quantity (None: no row)."""
        return self.store.get_stock(variant_id, warehouse_id)

    def order(self, order_id: str) -> dict[str, Any]:
        """A copy of the stored order (status, lines, fulfillments, events, metadata...)."""
        with self.store.lock:
            return copy.deepcopy(self.store.orders[order_id])

    @property
    def shop_settings(self) -> dict[str, bool]:
        """Mutable: fulfillmentAutoApprove (default True), fulfillmentAllowUnpaid (False)."""
        return self.store.shop_settings

    def add_app(
        self,
        name: str = "Drop-ship",
        permissions: list[str] | None = None,
        webhooks: list[dict[str, Any]] | None = None,
        *,
        app_id: str | None = None,
        identifier: str = "",
    ) -> InstalledApp:
        """An active app with a working token, without the HTTP install flow.

        `webhooks` use the manifest shape: {name, targetUrl, query, asyncEvents, isActive?}.
        """
        app = InstalledApp(
            app_id=app_id or self.store.next_app_id(),
            token=random_token(APP_TOKEN_LENGTH),
            manifest={"id": identifier or name, "name": name, "webhooks": webhooks or []},
            webhooks=copy.deepcopy(webhooks or []),
            permissions=list(permissions or ["MANAGE_ORDERS", "MANAGE_PRODUCTS"]),
            name=name,
            identifier=identifier or name,
        )
        self.store.add_app(app)
        return app

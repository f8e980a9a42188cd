"""In-memory test data: installed apps and orders, keyed the way Saleor's API exposes them."""

from __future__ import annotations

import base64
import binascii
import copy
import threading
from collections import defaultdict
from typing import Any

from .catalog import DEFAULT_WAREHOUSE, product_record, warehouse_record
from .models import SALEOR_VERSION, InstalledApp

_PERMISSION_NAMES = {
    "HANDLE_PAYMENTS": "Handle payments",
    "HANDLE_CHECKOUTS": "Handle checkouts",
    "HANDLE_TAXES": "Handle taxes",
    "MANAGE_APPS": "Manage apps",
    "MANAGE_DISCOUNTS": "Manage sales and vouchers.",
    "MANAGE_GIFT_CARD": "Manage gift cards.",
    "MANAGE_MENUS": "Manage navigation.",
    "MANAGE_USERS": "Manage customers.",
}


def to_global_id(type_name: str, pk: object) -> str:
    """Relay global id: base64 of "<Type>:<pk>"."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def from_global_id(global_id: str) -> tuple[str, str] | None:
    """(type, pk), or None when `global_id` does not decode like a Saleor id."""
    try:
        decoded = base64.b64decode(global_id, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, pk = decoded.partition(":")
    if not sep or not type_name or not pk:
        return None
    return type_name, pk


def permission_node(code: str) -> dict[str, str]:
    """A `Permission` object (code + the Django permission name)."""
    name = _PERMISSION_NAMES.get(code) or code.replace("_", " ").capitalize() + "."
    return {"code": code, "name": name}


def webhook_node(app: InstalledApp, index: int, hook: dict[str, Any]) -> dict[str, Any]:
    """A `Webhook` object for an app's manifest webhook."""
    events = hook.get("asyncEvents") or []
    return {
        "id": to_global_id("Webhook", f"{app.app_id}-{index}"),
        "name": hook.get("name"),
        "targetUrl": hook.get("targetUrl"),
        "isActive": hook.get("isActive", True),
        "subscriptionQuery": hook.get("query"),
        "secretKey": None,
        "customHeaders": None,
        "asyncEvents": [{"eventType": e, "name": e.replace("_", " ").capitalize()} for e in events],
        "syncEvents": [],
        "events": [],
        "identifier": hook.get("identifier"),
    }


def app_node(app: InstalledApp) -> dict[str, Any]:
    """The `App` object served for `app`, `recipient` and `AppDeleted.app`."""
    manifest = app.manifest
    return {
        "__typename": "App",
        "id": app.app_id,
        "name": app.name,
        "identifier": app.identifier,
        "isActive": app.is_active,
        "type": "THIRDPARTY",
        "version": manifest.get("version"),
        "permissions": [permission_node(code) for code in sorted(app.permissions)],
        "aboutApp": manifest.get("about"),
        "author": manifest.get("author"),
        "appUrl": manifest.get("appUrl"),
        "manifestUrl": app.manifest_url,
        "homepageUrl": manifest.get("homepageUrl"),
        "supportUrl": manifest.get("supportUrl"),
        "dataPrivacyUrl": manifest.get("dataPrivacyUrl"),
        "metadata": [],
        "privateMetadata": [],
        "webhooks": [webhook_node(app, i, h) for i, h in enumerate(app.webhooks)],
        "tokens": [],
        "extensions": [],
        "problems": [],
    }


def _int_pk(global_id: object) -> int:
    decoded = from_global_id(global_id) if isinstance(global_id, str) else None
    return int(decoded[1]) if decoded and decoded[1].isdigit() else 0


class DataStore:
    """Thread-safe store shared by the HTTP server thread and the test thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.apps: list[InstalledApp] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, dict[str, Any]] = {}
        self.warehouses: dict[str, dict[str, Any]] = {}
        self.stocks: dict[tuple[str, str], int] = {}
        self.saleor_version = SALEOR_VERSION  # `shop { version }`
        self.shop_settings: dict[str, bool] = {
            "fulfillmentAutoApprove": True,
            "fulfillmentAllowUnpaid": False,
        }
        self.payments: Any = None  # transactions.PaymentApps, set by FakeSaleor
        self._app_pk = 0
        self._pks: defaultdict[str, int] = defaultdict(int)
        self.add_warehouse(DEFAULT_WAREHOUSE)

    def next_pk(self, kind: str) -> int:
        """Next integer pk of `kind` (Fulfillment, FulfillmentLine, OrderEvent, ...)."""
        with self.lock:
            self._pks[kind] += 1
            return self._pks[kind]

    def _reserve_pks(self, kind: str, items: list[dict[str, Any]] | None) -> None:
        for item in items or []:
            self._pks[kind] = max(self._pks[kind], _int_pk(item.get("id")))

    def next_app_id(self) -> str:
        """Allocate an App id (failed installs use one up too, like a DB sequence)."""
        with self.lock:
            self._app_pk += 1
            return to_global_id("App", self._app_pk)

    def add_app(self, app: InstalledApp) -> None:
        """Keep an app (its token works from now on)."""
        with self.lock:
            self.apps.append(app)

    def remove_app(self, app: InstalledApp) -> None:
        """Forget an app whose installation failed."""
        with self.lock:
            self.apps = [a for a in self.apps if a is not app]

    def active_app_by_token(self, token: str) -> InstalledApp | None:
        """The active app owning `token`, if any."""
        with self.lock:
            return next((a for a in self.apps if a.is_active and a.token == token), None)

    def app_by_id(self, app_id: str) -> InstalledApp | None:
        """Any kept app with this global id."""
        with self.lock:
            return next((a for a in self.apps if a.app_id == app_id), None)

    def active_identifier_taken(self, identifier: str) -> bool:
        """Whether a not-removed (possibly deactivated) app already uses this manifest `id`."""
        with self.lock:
            return any(not a.removed and a.identifier == identifier for a in self.apps)

    def add_order(self, order: dict[str, Any]) -> None:
        """Store an order (deep-copied) under its global `id`."""
        if not isinstance(order.get("id"), str):
            raise ValueError("an order needs a string global `id`")
        with self.lock:
            stored = copy.deepcopy(order)
            stored.setdefault("customerNote", "")  # String! in Saleor's schema
            self.orders[order["id"]] = stored
            self._reserve_pks("OrderEvent", stored.get("events"))
            self._reserve_pks("Fulfillment", stored.get("fulfillments"))
            for fulfillment in stored.get("fulfillments") or []:
                self._reserve_pks("FulfillmentLine", fulfillment.get("lines"))

    def get_order(self, global_id: str) -> dict[str, Any] | None:
        """The stored order with this id, or None."""
        with self.lock:
            return self.orders.get(global_id)

    def order_by_external_reference(self, reference: str) -> dict[str, Any] | None:
        """The stored order whose `externalReference` equals `reference`."""
        with self.lock:
            return next(
                (o for o in self.orders.values() if o.get("externalReference") == reference), None
            )

    def add_product(self, product: dict[str, Any]) -> None:
        """Store a product (deep-copied) and its `variants` (each gets `product {id name}`)."""
        stored = product_record(product)
        with self.lock:
            self.products[stored["id"]] = stored
            for variant in stored["variants"]:
                self.variants[variant["id"]] = variant

    def add_warehouse(self, warehouse: dict[str, Any]) -> dict[str, Any]:
        """Store a warehouse (missing fields get Saleor-like defaults); returns the stored dict."""
        stored = warehouse_record(warehouse)
        with self.lock:
            self.warehouses[stored["id"]] = stored
        return stored

    def set_stock(self, variant_id: str, warehouse_id: str, quantity: int | None) -> None:
        """Set the Stock row's quantity; None deletes the row."""
        with self.lock:
            if quantity is None:
                self.stocks.pop((variant_id, warehouse_id), None)
            else:
                self.stocks[(variant_id, warehouse_id)] = quantity

    def get_stock(self, variant_id: str | None, warehouse_id: str) -> int | None:
        """The Stock row's quantity, or None when there is no row."""
        with self.lock:
            return self.stocks.get((variant_id or "", warehouse_id))

    def find_fulfillment(self, global_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(order, fulfillment) for a Fulfillment global id."""
        with self.lock:
            for order in self.orders.values():
                for fulfillment in order.get("fulfillments") or []:
                    if fulfillment.get("id") == global_id:
                        return order, fulfillment
        return None

    def node(self, type_name: str, global_id: str) -> dict[str, Any] | None:
        """A stored Order / Product / ProductVariant / Warehouse / Fulfillment by global id."""
        tables = {
            "Order": self.orders,
            "Product": self.products,
            "ProductVariant": self.variants,
            "Warehouse": self.warehouses,
        }
        if type_name == "Fulfillment":
            found = self.find_fulfillment(global_id)
            return found[1] if found else None
        with self.lock:
            return tables.get(type_name, {}).get(global_id)

"""In-memory test data: installed apps and orders, keyed the way Saleor's API exposes them."""

from __future__ import annotations

import base64
import binascii
import copy
import threading
from typing import Any

from .models import InstalledApp

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


class DataStore:
    """Thread-safe store shared by the HTTP server thread and the test thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.apps: list[InstalledApp] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self._app_pk = 0

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
            self.orders[order["id"]] = copy.deepcopy(order)

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

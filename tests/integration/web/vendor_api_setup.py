"""A shop with a sent Acme PO and API keys for its vendors, for the vendor API tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import requests

from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from app.services.vendor_api_keys import issue_vendor_api_key
from tests.fakes import RecordingTaskQueue
from tests.integration.services.conftest import Catalogue, _install

API = "/api/vendor/v1"
STAFF = "staff@shop.test"


@dataclass
class VendorApiShop:
    url: str
    catalogue: Catalogue
    po: object  # the Acme PO, sent
    acme_key: str
    beta_key: str

    def post(self, path, body=None, key=None, headers=None, **kwargs):
        return requests.post(
            f"{self.url}{API}{path}",
            json=body,
            headers={"Authorization": f"Bearer {key or self.acme_key}", **(headers or {})},
            timeout=10,
            **kwargs,
        )

    def get(self, path, key=None):
        return requests.get(
            f"{self.url}{API}{path}",
            headers={"Authorization": f"Bearer {key or self.acme_key}"},
            timeout=10,
        )


def sent_po(catalogue, vendor_name="Acme Supply"):
    create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor=STAFF,
        send=False,
    )
    [found] = [
        po
        for po in list_purchase_orders(
            catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
        )
        if po.vendor_name == vendor_name
    ]
    with catalogue.uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(catalogue.installation_id, found.id)
        po.mark_sent(actor=STAFF, at=datetime.now(UTC), via="email")
        uow.purchase_orders.save(catalogue.installation_id, po)
        uow.commit()
        return po


def vendor_api_shop(live, api_url="https://shop.example.com/graphql/") -> VendorApiShop:
    uow_factory = live.container.uow_factory
    catalogue = Catalogue(uow_factory, _install(uow_factory, api_url))
    po = sent_po(catalogue)
    shop = catalogue.installation_id
    acme = issue_vendor_api_key(uow_factory, shop, catalogue.acme.id, actor=STAFF)
    beta = issue_vendor_api_key(uow_factory, shop, catalogue.beta.id, actor=STAFF)
    return VendorApiShop(live.url, catalogue, po, acme.plaintext, beta.plaintext)

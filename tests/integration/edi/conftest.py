"""EDI tests: a real SFTP server on loopback with a vendor account over a temp folder, the fake
Saleor, and a shop with an EDI vendor whose host key is pinned."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.adapters.carriers import TrackingNumberCarriers
from app.adapters.crypto import TokenCipher
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from app.adapters.saleor.documents import load_documents, load_schema
from app.adapters.saleor.gateway import SaleorHttpGateway
from app.adapters.sftp import AsyncsshTransport
from app.bootstrap import purchase_order_channels
from app.domain.edi.x12 import Envelope, Separators, write_interchange
from app.domain.installations import Installation, SaleorApiUrl
from app.services.channels import MailDefaults
from app.services.dispatch import dispatch_purchase_order
from app.services.edi_channel import EdiChannel
from app.services.edi_inbound import poll_edi_vendor
from app.services.edi_partners import fetch_edi_host_key, pin_edi_host_key, save_edi_settings
from app.services.orders import refresh_order
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from app.services.saleor_writes.fulfilments import write_fulfilment
from app.services.shop_settings import save_settings
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.conftest import ROOT, SCHEMA_PATH, make_settings
from tests.fakes import FakeDocuments, FakeMailer, RecordingTaskQueue
from tests.gate import pass_the_gate
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE
from tests.servers.sftp import HOST, PASSWORD, USER, SftpServer

CIPHER = TokenCipher("test-secret-key-0123456789")
TRANSPORT = AsyncsshTransport(timeout_seconds=5, private_hosts_allowed=True)
CARRIERS = TrackingNumberCarriers()
# The vendor's side of the envelope: it sends as 12/5551234567 to us (ZZ/DROPSHIPSHOP).
VENDOR_ENVELOPE = Envelope("12", "5551234567", "ZZ", "DROPSHIPSHOP", "ACMEAPP", "DROPSHIP", "T")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Any:
    """The live app may reach the SFTP server on loopback (ALLOW_PRIVATE_SFTP_HOSTS)."""
    return make_settings(tmp_path, database_url=database_url, allow_private_sftp_hosts=True)


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[SftpServer]:
    with SftpServer(tmp_path / "sftp") as server:
        yield server


@dataclasses.dataclass
class EdiShop:
    uow_factory: Any
    saleor: SaleorHttpGateway
    fake: Any
    server: SftpServer
    installation_id: int
    vendor_id: int
    order: dict
    queue: RecordingTaskQueue
    vendor_control: int = 500

    @property
    def order_id(self) -> str:
        return str(self.order["id"])

    def line(self, index: int) -> str:
        return str(self.order["lines"][index]["id"])

    def channels(self, transport: Any = TRANSPORT) -> Any:
        defaults = MailDefaults(smtp=None, message_domain="dropship.test")
        edi = EdiChannel(self.uow_factory, transport)
        return purchase_order_channels(FakeMailer(), FakeDocuments(), defaults, edi=edi)

    def create_and_send(self) -> Any:
        pass_the_gate(self.uow_factory, self.installation_id, self.order_id)
        [po] = create_purchase_orders(
            self.uow_factory, self.queue, self.installation_id, self.order_id, actor="m", send=True
        )
        return po

    def dispatch(self, po: Any, *, token: str = "task-1", final: bool = False, **kw: Any) -> Any:
        return dispatch_purchase_order(
            self.uow_factory,
            kw.get("channels") or self.channels(),
            self.queue,
            installation_id=self.installation_id,
            po_id=po.id,
            revision=kw.get("revision", 0),
            actor="m",
            claim_token=token,
            final_attempt=final,
        )

    def po(self, po: Any) -> Any:
        pos = list_purchase_orders(self.uow_factory, self.installation_id, self.order_id)
        return next(p for p in pos if p.id == po.id)

    def poll(self) -> Any:
        return poll_edi_vendor(
            self.uow_factory,
            self.queue,
            CARRIERS,
            TRANSPORT,
            installation_id=self.installation_id,
            vendor_id=self.vendor_id,
        )

    def vendor_sends(self, name: str, set_id: str, segments: list, **envelope: Any) -> str:
        """Put an interchange from the vendor in its outbound folder."""
        self.vendor_control += 1
        text = write_interchange(
            dataclasses.replace(VENDOR_ENVELOPE, **envelope),
            Separators(),
            self.vendor_control,
            datetime.now(UTC),
            [(set_id, segments)],
        )
        self.server.put("outbound", name, text)
        return text

    def documents(self) -> list:
        with self.uow_factory() as uow:
            return uow.edi.list_documents(self.installation_id, self.vendor_id)

    def write_fulfilments(self) -> list:
        shipment_ids = [a["shipment_id"] for t, a in self.queue.tasks if "shipment_id" in a]
        return [
            write_fulfilment(
                self.uow_factory,
                self.saleor,
                self.queue,
                installation_id=self.installation_id,
                shipment_id=shipment_id,
                final_attempt=False,
            )
            for shipment_id in shipment_ids
        ]


def edi_settings(server: SftpServer, **changes: object) -> dict[str, object]:
    return {
        "sender_qualifier": "ZZ",
        "sender_id": "DROPSHIPSHOP",
        "receiver_qualifier": "12",
        "receiver_id": "5551234567",
        "application_sender": "DROPSHIP",
        "application_receiver": "ACMEAPP",
        "usage": "T",
        "sftp_host": HOST,
        "sftp_port": str(server.port),
        "sftp_username": USER,
        "sftp_password": PASSWORD,
        **changes,
    }


@pytest.fixture
def edi_shop(engine, fake_saleor, sftp_server) -> EdiShop:
    uow_factory = lambda: SqlAlchemyUnitOfWork(engine, CIPHER)  # noqa: E731
    app = fake_saleor.add_app("Drop-ship", ["MANAGE_ORDERS", "MANAGE_PRODUCTS"], [])
    with uow_factory() as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(fake_saleor.api_url),
                app_id=app.app_id,
                token=app.token,
                jwks={},
            )
        )
        uow.commit()
    shop_id = installation.id
    order = make_order(
        number="2001",
        isPaid=True,
        chargeStatus="FULL",
        lines=[
            make_line(sku="SHIRT", quantity=3, allocations=[]),
            make_line(sku="MUG", quantity=1, allocations=[]),
        ],
    )
    fake_saleor.add_order(order)
    saleor = SaleorHttpGateway(
        schema=load_schema(SCHEMA_PATH),
        documents=load_documents(ROOT / "graphql"),
        subscriptions=load_documents(ROOT / "webhooks"),
        timeout=2,
        read_retries=1,
        backoff_seconds=0.01,
    )
    save_settings(
        uow_factory,
        shop_id,
        {
            "dropship_warehouse_id": DEFAULT_WAREHOUSE["id"],
            "shop_name": "Polygon Shop",
            "merchant_email": "buyer@shop.test",
        },
    )
    acme = save_vendor(
        uow_factory,
        shop_id,
        {"name": "Acme", "code": "ACME", "currency": "USD", "integration": "edi"},
    )
    for line, (cost, vendor_sku) in zip(
        order["lines"], (("5", "A-SHIRT"), ("7.25", "A-MUG")), strict=True
    ):
        save_product_vendor(
            uow_factory,
            shop_id,
            {
                "vendor_id": str(acme.id),
                "product_id": line["variant"]["product"]["id"],
                "unit_cost": cost,
                "vendor_sku": vendor_sku,
            },
        )
    save_edi_settings(uow_factory, shop_id, acme.id, edi_settings(sftp_server))
    fingerprint = fetch_edi_host_key(uow_factory, TRANSPORT, shop_id, acme.id)
    pin_edi_host_key(uow_factory, shop_id, acme.id, fingerprint)
    with uow_factory() as uow:
        installation = uow.installations.get(shop_id)
    refresh_order(uow_factory, saleor, installation, order["id"])
    return EdiShop(
        uow_factory, saleor, fake_saleor, sftp_server, shop_id, acme.id, order, RecordingTaskQueue()
    )

"""Vendor portal links on a real database: issued with the PO's first email, the same link on a
resend, a new one after a revocation; stored as a hash (and an encrypted copy), per shop."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.adapters.db import tables
from app.adapters.db.rate_limits import SqlRateLimiter
from app.bootstrap import purchase_order_channels
from app.domain.portal_links import PortalLinkKind, token_hash
from app.errors import NotFound
from app.services.dispatch import dispatch_purchase_order
from app.services.purchase_orders import create_purchase_orders, send_purchase_order
from app.services.vendor_portal import (
    PortalConfig,
    issue_vendor_account_link,
    open_portal,
    purchase_order_links,
    reissue_purchase_order_link,
    revoke_purchase_order_link,
)
from tests.fakes import FakeDocuments, FakeMailer, RecordingTaskQueue
from tests.integration.services.conftest import Catalogue
from tests.integration.services.test_dispatch import DEFAULTS

PORTAL = PortalConfig(app_url="https://dropship.example")
STAFF = "staff@shop.test"


@pytest.fixture
def acme_po(catalogue):
    """Acme's PO of order 1042 (email vendor), queued for its first send."""
    return create_purchase_orders(
        catalogue.uow_factory, RecordingTaskQueue(), catalogue.installation_id,
        catalogue.order_id, actor=STAFF, send=True,
    )[0]  # fmt: skip


def _send(catalogue, po, mailer, revision):
    return dispatch_purchase_order(
        catalogue.uow_factory,
        purchase_order_channels(mailer, FakeDocuments(), DEFAULTS),
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        po_id=po.id,
        revision=revision,
        actor=STAFF,
        claim_token=f"task-{revision}",
        final_attempt=False,
        portal=PORTAL,
    )


def _link_in(email) -> str:
    match = re.search(r"https://dropship\.example/portal/([A-Za-z0-9_-]{43})\n", email.text_body)
    assert match, email.text_body
    return match.group(1)


def test_the_first_email_issues_the_link_a_resend_carries_the_same_one(catalogue, acme_po, engine):
    mailer = FakeMailer()

    _send(catalogue, acme_po, mailer, revision=0)
    send_purchase_order(
        catalogue.uow_factory, RecordingTaskQueue(), catalogue.installation_id, acme_po.id,
        actor=STAFF,
    )  # fmt: skip
    _send(catalogue, acme_po, mailer, revision=1)

    first, second = (_link_in(email) for email, _ in mailer.sent)
    assert first == second
    with engine.connect() as connection:
        [row] = connection.execute(select(tables.portal_links)).all()
    assert row.token_hash == token_hash(first)
    assert first not in row.token_encrypted
    assert row.kind == "po" and row.purchase_order_id == acme_po.id
    assert (row.expires_at - row.created_at).days == 60


def test_after_a_revocation_the_next_email_carries_a_new_link(catalogue, acme_po):
    mailer = FakeMailer()
    _send(catalogue, acme_po, mailer, revision=0)
    revoke_purchase_order_link(
        catalogue.uow_factory, catalogue.installation_id, acme_po.id, actor=STAFF
    )
    send_purchase_order(
        catalogue.uow_factory, RecordingTaskQueue(), catalogue.installation_id, acme_po.id,
        actor=STAFF,
    )  # fmt: skip

    _send(catalogue, acme_po, mailer, revision=1)

    first, second = (_link_in(email) for email, _ in mailer.sent)
    assert first != second
    links = purchase_order_links(
        catalogue.uow_factory, PORTAL, catalogue.installation_id, [acme_po.id]
    )
    assert links[acme_po.id].url == f"https://dropship.example/portal/{second}"


def test_a_shop_sees_only_its_own_links(catalogue, acme_po, other_shop):
    _send(catalogue, acme_po, FakeMailer(), revision=0)

    assert purchase_order_links(catalogue.uow_factory, PORTAL, other_shop, [acme_po.id]) == {}
    assert acme_po.id in purchase_order_links(
        catalogue.uow_factory, PORTAL, catalogue.installation_id, [acme_po.id]
    )


def test_a_vendor_link_never_opens_another_shops_po(uow_factory, catalogue, other_shop, engine):
    """Two shops with the same catalogue: shop A's account link with shop B's PO id (and B's
    PO link under A's account path) open nothing; each link opens its own shop's PO."""
    other = Catalogue(uow_factory, other_shop)
    queue = RecordingTaskQueue()
    mine = create_purchase_orders(
        uow_factory, queue, catalogue.installation_id, catalogue.order_id, actor=STAFF, send=False
    )[0]
    theirs = create_purchase_orders(
        uow_factory, queue, other_shop, other.order_id, actor=STAFF, send=False
    )[0]
    account = issue_vendor_account_link(
        uow_factory, PORTAL, catalogue.installation_id, catalogue.acme.id
    ).rsplit("/", 1)[1]
    their_po_link = reissue_purchase_order_link(
        uow_factory, PORTAL, other_shop, theirs.id, actor=STAFF
    ).rsplit("/", 1)[1]

    def open_(token, kind, po_id=None):
        return open_portal(
            uow_factory, SqlRateLimiter(engine), PORTAL,
            token=token, kind=kind, address="192.0.2.1", po_id=po_id,
        )  # fmt: skip

    assert open_(account, PortalLinkKind.VENDOR, mine.id).po_id == mine.id
    assert open_(their_po_link, PortalLinkKind.PO).installation_id == other_shop
    with pytest.raises(NotFound):
        open_(account, PortalLinkKind.VENDOR, theirs.id)
    with pytest.raises(NotFound):
        open_(their_po_link, PortalLinkKind.VENDOR, theirs.id)

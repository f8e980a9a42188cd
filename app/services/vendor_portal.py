"""The vendor portal (issue 15): a page per PO, and optionally per vendor, behind a secret,
expiring, revocable link, with no login (ADR 22).

What the vendor does there goes through the merchant's own services (``answer_purchase_order``,
``record_shipment``, ``confirm_po_cancellation``, ``purchase_order_file``) with the actor
"vendor portal (<vendor code>)"; this module issues, revokes and resolves the links and counts
requests (``vendor_portal_pages`` reads what the pages show).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.errors import AppError, ErrorCode
from app.domain.installations import InstallationId
from app.domain.portal_links import (
    PortalLink,
    PortalLinkKind,
    is_token_shaped,
    portal_path,
    token_from_bytes,
    token_hash,
)
from app.domain.purchase_orders import POEvent, POStatus, PurchaseOrder
from app.errors import Invalid, NotFound
from app.services.ports import RateLimiter
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

# One answer for every link that opens nothing (unknown, another shop's, expired, revoked, a
# PO that is not the vendor's): a holder of a bad link learns nothing about the others.
LINK_REFUSED = "This link does not open a purchase order: ask the shop for a new link."


class RateLimited(AppError):
    """Too many requests for one link or from one address in the window."""

    code = ErrorCode.RATE_LIMITED


@dataclass(frozen=True)
class PortalConfig:
    """The deployment's portal settings: where links point, and the request limits."""

    app_url: str
    requests_per_token: int = 120
    requests_per_address: int = 600
    window_seconds: int = 600


def _now() -> datetime:
    return datetime.now(UTC)


def portal_actor(vendor_label: str) -> str:
    """How the PO history, notes and shipments name what the vendor did in the portal."""
    return f"vendor portal ({vendor_label})"


def _url(portal: PortalConfig, kind: PortalLinkKind, token: str) -> str:
    return portal.app_url.rstrip("/") + portal_path(kind, token)


def _issue(
    uow: UnitOfWork,
    installation_id: InstallationId,
    kind: PortalLinkKind,
    *,
    vendor_id: int,
    po_id: int | None,
    now: datetime,
    random_bytes: Callable[[int], bytes],
) -> str:
    days = uow.settings.get(installation_id).portal_link_days
    token = token_from_bytes(random_bytes(32))
    link = PortalLink.issue(
        kind, token, vendor_id=vendor_id, purchase_order_id=po_id, now=now, days=days
    )
    uow.portal_links.add(installation_id, link, token)
    return token


def ensure_po_link(
    uow: UnitOfWork,
    portal: PortalConfig,
    installation_id: InstallationId,
    po: PurchaseOrder,
    *,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
) -> str:
    """The PO's link for its email: the usable one, or a new one on the first send (or after
    the last expired or was revoked). Runs in the caller's unit of work."""
    assert po.id is not None
    now = _now()
    found = uow.portal_links.usable(
        installation_id, PortalLinkKind.PO, subject_ids=[po.id], now=now
    )
    if po.id in found:
        return _url(portal, PortalLinkKind.PO, found[po.id][1])
    token = _issue(
        uow, installation_id, PortalLinkKind.PO, vendor_id=po.vendor_id, po_id=po.id, now=now,
        random_bytes=random_bytes,
    )  # fmt: skip
    return _url(portal, PortalLinkKind.PO, token)


@dataclass(frozen=True)
class LinkView:
    url: str
    expires_at: datetime


def purchase_order_links(
    uow_factory: UnitOfWorkFactory,
    portal: PortalConfig,
    installation_id: InstallationId,
    po_ids: Iterable[int],
) -> dict[int, LinkView]:
    """The usable vendor link of each PO (the order widget shows it to copy)."""
    with uow_factory() as uow:
        found = uow.portal_links.usable(
            installation_id, PortalLinkKind.PO, subject_ids=po_ids, now=_now()
        )
    return {
        po_id: LinkView(_url(portal, PortalLinkKind.PO, token), link.expires_at)
        for po_id, (link, token) in found.items()
    }


def _load_po(uow: UnitOfWork, installation_id: InstallationId, po_id: int) -> PurchaseOrder:
    po = uow.purchase_orders.get_for_update(installation_id, po_id)
    if po is None:
        raise NotFound("This purchase order does not exist.")
    return po


def reissue_purchase_order_link(
    uow_factory: UnitOfWorkFactory,
    portal: PortalConfig,
    installation_id: InstallationId,
    po_id: int,
    *,
    actor: str,
) -> str:
    """A new link for the PO; the previous one stops working at once. Returns the new URL
    (the merchant gives it to the vendor; a resend also carries it)."""
    now = _now()
    with uow_factory() as uow:
        po = _load_po(uow, installation_id, po_id)
        if po.status is POStatus.CANCELLED:
            raise Invalid(f"PO {po.number} is cancelled: it needs no vendor link.")
        uow.portal_links.revoke(installation_id, PortalLinkKind.PO, po_id, now)
        token = _issue(
            uow, installation_id, PortalLinkKind.PO, vendor_id=po.vendor_id, po_id=po_id,
            now=now, random_bytes=secrets.token_bytes,
        )  # fmt: skip
        po.events.append(POEvent(now, actor, "vendor link issued", "the previous link is revoked"))
        uow.purchase_orders.save(installation_id, po)
        uow.commit()
    return _url(portal, PortalLinkKind.PO, token)


def revoke_purchase_order_link(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, po_id: int, *, actor: str
) -> int:
    """The PO's link stops working (the history says who revoked it). Returns how many."""
    now = _now()
    with uow_factory() as uow:
        po = _load_po(uow, installation_id, po_id)
        revoked = uow.portal_links.revoke(installation_id, PortalLinkKind.PO, po_id, now)
        if revoked:
            po.events.append(POEvent(now, actor, "vendor link revoked"))
            uow.purchase_orders.save(installation_id, po)
        uow.commit()
    return revoked


def vendor_account_link(
    uow_factory: UnitOfWorkFactory,
    portal: PortalConfig,
    installation_id: InstallationId,
    vendor_id: int,
) -> LinkView | None:
    """The vendor's usable account link, if the merchant issued one."""
    with uow_factory() as uow:
        found = uow.portal_links.usable(
            installation_id, PortalLinkKind.VENDOR, subject_ids=[vendor_id], now=_now()
        )
    if vendor_id not in found:
        return None
    link, token = found[vendor_id]
    return LinkView(_url(portal, PortalLinkKind.VENDOR, token), link.expires_at)


def issue_vendor_account_link(
    uow_factory: UnitOfWorkFactory,
    portal: PortalConfig,
    installation_id: InstallationId,
    vendor_id: int,
) -> str:
    """The vendor's account page (its open POs of this shop) gets a new link; the previous
    one stops working. Optional per vendor: a vendor without one has no account page."""
    now = _now()
    with uow_factory() as uow:
        if uow.vendors.get(installation_id, vendor_id) is None:
            raise NotFound("This vendor does not exist.")
        uow.portal_links.revoke(installation_id, PortalLinkKind.VENDOR, vendor_id, now)
        token = _issue(
            uow, installation_id, PortalLinkKind.VENDOR, vendor_id=vendor_id, po_id=None,
            now=now, random_bytes=secrets.token_bytes,
        )  # fmt: skip
        uow.commit()
    return _url(portal, PortalLinkKind.VENDOR, token)


def revoke_vendor_account_link(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int
) -> int:
    with uow_factory() as uow:
        revoked = uow.portal_links.revoke(installation_id, PortalLinkKind.VENDOR, vendor_id, _now())
        uow.commit()
    return revoked


@dataclass(frozen=True)
class PortalAccess:
    """What a link opens: one shop, one vendor, and one PO (none: the vendor's list)."""

    installation_id: InstallationId
    vendor_id: int
    vendor_label: str
    po_id: int | None

    @property
    def actor(self) -> str:
        return portal_actor(self.vendor_label)


def _limit(rate_limiter: RateLimiter, portal: PortalConfig, token: str, address: str) -> None:
    window = portal.window_seconds
    by_address = rate_limiter.allow(
        f"portal-ip:{address[:64]}", portal.requests_per_address, window
    )
    # The token's hash, never the token, is the key (the table is readable by operators).
    by_token = rate_limiter.allow(
        f"portal-token:{token_hash(token)}", portal.requests_per_token, window
    )
    if not (by_address and by_token):
        raise RateLimited("Too many requests: wait a few minutes and try again.")


def open_portal(
    uow_factory: UnitOfWorkFactory,
    rate_limiter: RateLimiter,
    portal: PortalConfig,
    *,
    token: str,
    kind: PortalLinkKind,
    address: str,
    po_id: int | None = None,
) -> PortalAccess:
    """Resolve a link to what it opens, after counting the request against the link and the
    client address. A vendor link opens the vendor's list, or one of the vendor's POs
    (``po_id``). Every refusal is the same ``NotFound``."""
    _limit(rate_limiter, portal, token if is_token_shaped(token) else "malformed", address)
    if not is_token_shaped(token):
        raise NotFound(LINK_REFUSED)
    now = _now()
    with uow_factory() as uow:
        found = uow.portal_links.find(token_hash(token))
        if found is None:
            raise NotFound(LINK_REFUSED)
        installation_id, link = found
        installation = uow.installations.get(installation_id)
        vendor = uow.vendors.get(installation_id, link.vendor_id)
        if (
            link.kind is not kind
            or not link.is_usable(now)
            or installation is None
            or not installation.is_active
            or vendor is None
        ):
            raise NotFound(LINK_REFUSED)
        if link.kind is PortalLinkKind.PO:
            po_id = link.purchase_order_id
        if po_id is not None:
            po = uow.purchase_orders.get(installation_id, po_id)
            if po is None or po.vendor_id != vendor.id:
                raise NotFound(LINK_REFUSED)
    return PortalAccess(installation_id, link.vendor_id, vendor.code or vendor.name, po_id)

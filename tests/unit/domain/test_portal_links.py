"""Vendor portal links: token shape, what is stored, expiry and revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import DomainValidationError
from app.domain.portal_links import (
    PortalLink,
    PortalLinkKind,
    clean_link_days,
    is_token_shaped,
    portal_path,
    token_from_bytes,
    token_hash,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TOKEN = token_from_bytes(bytes(range(32)))


def _po_link(days: int = 60) -> PortalLink:
    return PortalLink.issue(
        PortalLinkKind.PO, TOKEN, vendor_id=3, purchase_order_id=7, now=NOW, days=days
    )


def test_a_token_is_256_bits_url_safe_and_only_its_hash_is_kept():
    link = _po_link()

    assert len(TOKEN) == 43 and is_token_shaped(TOKEN)
    assert link.token_hash == token_hash(TOKEN) != TOKEN
    assert len(link.token_hash) == 64
    assert TOKEN not in repr(link)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(TOKEN[:-1], id="short_case"),
        pytest.param(TOKEN + "A", id="long_case"),
        pytest.param(TOKEN[:-1] + "/", id="slash_case"),
        pytest.param(TOKEN[:-1] + ".", id="dot_case"),
        pytest.param("", id="empty_case"),
    ],
)
def test_anything_not_shaped_like_a_token_is_refused_before_a_lookup(raw):
    assert not is_token_shaped(raw)


def test_a_token_needs_exactly_32_random_bytes():
    with pytest.raises(ValueError):
        token_from_bytes(bytes(16))


def test_a_link_opens_until_it_expires_or_is_revoked():
    link = _po_link(days=60)

    assert link.expires_at == NOW + timedelta(days=60)
    assert link.is_usable(NOW + timedelta(days=59, hours=23))
    assert not link.is_usable(NOW + timedelta(days=60))
    link.revoke(NOW + timedelta(days=1))
    assert not link.is_usable(NOW + timedelta(days=2))
    link.revoke(NOW + timedelta(days=5))  # a second revocation keeps the first time
    assert link.revoked_at == NOW + timedelta(days=1)


def test_a_po_link_names_its_po_and_a_vendor_link_none():
    with pytest.raises(ValueError):
        PortalLink.issue(
            PortalLinkKind.VENDOR, TOKEN, vendor_id=3, purchase_order_id=7, now=NOW, days=1
        )
    with pytest.raises(ValueError):
        PortalLink.issue(
            PortalLinkKind.PO, TOKEN, vendor_id=3, purchase_order_id=None, now=NOW, days=1
        )
    assert portal_path(PortalLinkKind.PO, TOKEN) == f"/portal/{TOKEN}"
    assert portal_path(PortalLinkKind.VENDOR, TOKEN) == f"/portal/v/{TOKEN}"


@pytest.mark.parametrize(
    ("raw", "days"),
    [pytest.param("1", 1, id="one_case"), pytest.param(" 365 ", 365, id="year_case")],
)
def test_the_link_lifetime_is_a_whole_number_of_days(raw, days):
    assert clean_link_days(raw) == days


@pytest.mark.parametrize("raw", ["0", "366", "-1", "1.5", "", "٣"])
def test_a_link_lifetime_outside_1_to_365_days_is_refused(raw):
    with pytest.raises(DomainValidationError) as refused:
        clean_link_days(raw)
    assert set(refused.value.errors) == {"portal_link_days"}

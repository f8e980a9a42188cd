"""Vendor API keys: issued (shown once), rotated, revoked on the vendor page; checked on every
vendor API request. Only the secret's SHA-256 is stored (see app/domain/vendor_api_keys.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.installations import InstallationId, InstallationStatus
from app.domain.vendor_api_keys import (
    IssuedKey,
    VendorApiKey,
    VendorCaller,
    format_api_key,
    new_api_key,
    parse_api_key,
    secret_digest,
    secret_matches,
)
from app.errors import NotFound
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

_NO_DIGEST = secret_digest("no key has this secret")


def _check_vendor(uow: UnitOfWork, installation_id: InstallationId, vendor_id: int) -> None:
    if uow.vendors.get(installation_id, vendor_id) is None:
        raise NotFound("This vendor does not exist.")


def issue_vendor_api_key(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int, *, actor: str
) -> IssuedKey:
    """A new key for the vendor (create or rotate): any key it had stops working at once."""
    key_id, secret = new_api_key()
    now = datetime.now(UTC)
    with uow_factory() as uow:
        _check_vendor(uow, installation_id, vendor_id)
        uow.vendor_api.revoke_keys(installation_id, vendor_id, now)
        key = uow.vendor_api.add_key(
            VendorApiKey(
                installation_id=installation_id,
                vendor_id=vendor_id,
                key_id=key_id,
                secret_sha256=secret_digest(secret),
                created_at=now,
                created_by=actor[:254],
            )
        )
        uow.commit()
    return IssuedKey(key=key, plaintext=format_api_key(key_id, secret))


def revoke_vendor_api_key(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int
) -> bool:
    """The vendor's key stops working; whether it had one."""
    with uow_factory() as uow:
        _check_vendor(uow, installation_id, vendor_id)
        revoked = uow.vendor_api.revoke_keys(installation_id, vendor_id, datetime.now(UTC))
        uow.commit()
    return revoked > 0


def vendor_api_key(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int
) -> VendorApiKey | None:
    """The vendor's active key (its id and dates only: the secret is never kept)."""
    with uow_factory() as uow:
        return uow.vendor_api.active_key(installation_id, vendor_id)


def authenticate_vendor(uow_factory: UnitOfWorkFactory, presented: str) -> VendorCaller | None:
    """The vendor of an active key of an active shop, or None whatever the reason (the caller
    answers every failure alike, so the answer tells nothing about which keys exist)."""
    parsed = parse_api_key(presented)
    if parsed is None:
        return None
    key_id, secret = parsed
    with uow_factory() as uow:
        key = uow.vendor_api.find_key(key_id)
        matches = secret_matches(secret, key.secret_sha256 if key else _NO_DIGEST)
        if key is None or not matches or not key.is_active:
            return None
        installation = uow.installations.get(key.installation_id)
        if installation is None or installation.status is not InstallationStatus.ACTIVE:
            return None
        if uow.vendors.get(key.installation_id, key.vendor_id) is None:
            return None
    return VendorCaller(key.installation_id, key.vendor_id, key.key_id)

"""Saleor's signing keys (JWKS): verify with the stored keys, fetch again only when needed.

Saleor rotates its key rarely; a signature that names an unknown key id is the only reason to
fetch the JWKS again, and even then at most once per installation per interval, so forged
webhooks or dashboard tokens cannot make the app hammer the merchant's Saleor. A known key id
with a bad signature is refused without a fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.domain.installations import Installation
from app.errors import Retryable
from app.services.ports import SaleorGateway, UnknownSigningKey
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_REFETCH_INTERVAL_SECONDS = 60.0


class KeysRecentlyFetched(Retryable):
    """An unknown key id, but the JWKS was fetched moments ago: try again later (503).

    A webhook answered 503 is retried by Saleor with backoff, so a genuine delivery signed with a
    key rotated in the meantime still gets in after the interval.
    """


def verify_with_key_refresh(
    uow_factory: UnitOfWorkFactory,
    uow: UnitOfWork,
    saleor: SaleorGateway,
    installation: Installation,
    verify: Callable[[Mapping[str, Any]], T],
    *,
    interval_seconds: float = DEFAULT_REFETCH_INTERVAL_SECONDS,
) -> T:
    """``verify(jwks)`` with the stored keys; on an unknown key id, fetch once and store.

    ``SignatureInvalid`` from ``verify`` (bad signature, or a key id Saleor does not hold either)
    propagates for the caller to refuse. The fetch is claimed in its own short transaction, so
    concurrent requests in any process agree on who fetches; ``uow`` stores the new keys.
    """
    try:
        return verify(installation.jwks)
    except UnknownSigningKey:
        pass
    assert installation.id is not None
    with uow_factory() as claim:
        claimed = claim.installations.claim_jwks_fetch(
            installation.id, datetime.now(UTC), interval_seconds
        )
        claim.commit()
    if not claimed:
        raise KeysRecentlyFetched(
            "The signature names an unknown key and Saleor's keys were fetched moments ago."
        )
    fresh_jwks = saleor.fetch_jwks(installation.saleor_api_url)
    result = verify(fresh_jwks)
    uow.installations.update_jwks(installation.id, fresh_jwks)
    logger.info("stored rotated signing keys for %s", installation.saleor_api_url)
    return result

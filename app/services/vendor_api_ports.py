"""What the vendor API services need from storage: keys and the answers stored per request id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain.installations import InstallationId
from app.domain.vendor_api_keys import VendorApiKey


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a vendor's request id: a replay gets it again."""

    fingerprint: str  # request_fingerprint of the first request
    status: int
    body: str  # the JSON answered


class VendorApiRepository(Protocol):
    def add_key(self, key: VendorApiKey) -> VendorApiKey: ...

    def revoke_keys(self, installation_id: InstallationId, vendor_id: int, at: datetime) -> int:
        """Revoke every active key of the vendor; how many were."""
        ...

    def active_key(
        self, installation_id: InstallationId, vendor_id: int
    ) -> VendorApiKey | None: ...

    def find_key(self, key_id: str) -> VendorApiKey | None: ...

    def stored_answer(
        self, installation_id: InstallationId, vendor_id: int, idempotency_key: str
    ) -> StoredAnswer | None: ...

    def store_answer(
        self,
        installation_id: InstallationId,
        vendor_id: int,
        idempotency_key: str,
        answer: StoredAnswer,
        at: datetime,
    ) -> None: ...

    def prune_answers(self, before: datetime) -> int: ...

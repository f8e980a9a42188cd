"""A shop's own Saleor schema: which version it runs and whether the app's documents fit it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ShopSchema:
    """A schema as read from a Saleor by introspection.

    ``problems`` names each document the schema cannot answer and what it lacks;
    ``introspection`` is the stored form (compressed JSON), opaque outside the adapters.
    """

    saleor_version: str
    sha256: str
    problems: tuple[str, ...]
    introspection: bytes = field(default=b"", repr=False)

    @property
    def is_compatible(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ShopSchemaRecord:
    """What is stored about an installation's schema."""

    saleor_version: str
    sha256: str
    problems: tuple[str, ...]
    checked_at: datetime

    @property
    def is_compatible(self) -> bool:
        return not self.problems


def incompatibility_message(saleor_version: str, problems: tuple[str, ...]) -> str:
    """The text Saleor shows on a refused install, and the app page on a later change."""
    listed = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
    return f"This Saleor ({saleor_version}) lacks what the app needs: {listed}"

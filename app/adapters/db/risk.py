"""Risk reviews and risk settings in SQL (every query scoped by installation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.utc import as_utc
from app.domain.installations import InstallationId, InstallationStatus
from app.domain.orders import CLOSED_ORDER_STATUSES
from app.domain.risk.facts import PastOrder
from app.domain.risk.review import RiskReview
from app.domain.risk.scoring import Decision, Reason, RiskSettings, Verdict


def _review(row: Any) -> RiskReview:
    reviewed_at = as_utc(row.reviewed_at)
    assert reviewed_at is not None
    return RiskReview(
        order_id=row.saleor_order_id,
        order_number=row.order_number,
        score=row.score,
        verdict=Verdict(row.verdict),
        reasons=tuple(Reason.from_json(r) for r in row.reasons or ()),
        settings=RiskSettings.from_values(row.settings or {}),
        reviewed_at=reviewed_at,
        decision=Decision(row.decision) if row.decision else None,
        decided_by=row.decided_by,
        decided_at=as_utc(row.decided_at),
        decision_note=row.decision_note,
        inputs_digest=row.inputs_digest,
        changed_at=as_utc(row.changed_at),
    )


class SqlRiskReviewRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def save(self, installation_id: InstallationId, review: RiskReview, order: PastOrder) -> None:
        """Store the computed review (and the order's history facts); a decision stays."""
        table = tables.risk_reviews
        values = {
            "order_number": review.order_number[:40],
            "score": review.score,
            "verdict": review.verdict.value,
            "reasons": [r.as_json() for r in review.reasons],
            "settings": review.settings.values(),
            "reviewed_at": review.reviewed_at,
            "email": order.email.lower()[:320],
            "address_key": order.address_key[:600],
            "card_key": order.card_key[:100],
            "ip_addresses": list(order.ip_addresses[:5]),
            "total": order.total,
            "currency": order.currency[:3],
            "order_created_at": order.created_at,
            "inputs_digest": review.inputs_digest[:64],
            "changed_at": None,
        }
        where = (table.c.installation_id == installation_id) & (
            table.c.saleor_order_id == review.order_id
        )
        if self._connection.execute(update(table).where(where).values(**values)).rowcount == 0:
            self._connection.execute(
                insert(table).values(
                    installation_id=installation_id, saleor_order_id=review.order_id, **values
                )
            )

    def get(self, installation_id: InstallationId, order_id: str) -> RiskReview | None:
        table = tables.risk_reviews
        row = self._connection.execute(
            select(table).where(
                table.c.installation_id == installation_id, table.c.saleor_order_id == order_id
            )
        ).first()
        return _review(row) if row is not None else None

    def history(self, installation_id: InstallationId, limit: int) -> list[PastOrder]:
        """The shop's most recent reviewed orders (newest first), for value and velocity."""
        table = tables.risk_reviews
        rows = self._connection.execute(
            select(table)
            .where(table.c.installation_id == installation_id)
            .order_by(table.c.order_created_at.desc().nulls_last(), table.c.id.desc())
            .limit(limit)
        ).all()
        return [
            PastOrder(
                order_id=row.saleor_order_id,
                created_at=as_utc(row.order_created_at),
                email=row.email,
                address_key=row.address_key,
                card_key=row.card_key,
                ip_addresses=tuple(row.ip_addresses or ()),
                total=Decimal(row.total) if row.total is not None else None,
                currency=row.currency,
            )
            for row in rows
        ]

    def mark_changed(
        self, installation_id: InstallationId, order_id: str, digest: str, at: datetime
    ) -> bool:
        """A decided review whose order now has other inputs: note when (once; the decision,
        score and reasons stay). A review stored before digests were kept takes this one."""
        table = tables.risk_reviews
        mine = (table.c.installation_id == installation_id) & (table.c.saleor_order_id == order_id)
        self._connection.execute(
            update(table).where(mine, table.c.inputs_digest == "").values(inputs_digest=digest)
        )
        changed = self._connection.execute(
            update(table)
            .where(
                mine,
                table.c.decision.is_not(None),
                table.c.changed_at.is_(None),
                table.c.inputs_digest != digest,
            )
            .values(changed_at=at)
        )
        return changed.rowcount == 1

    def orders_without_review(
        self, now: datetime, grace: timedelta, lookback: timedelta, limit: int
    ) -> list[tuple[InstallationId, str]]:
        """Every active shop's open orders stored (or refreshed) between ``lookback`` and
        ``grace`` ago that have no review (the review task was lost, or the worker was down),
        newest first. Returns (shop, Saleor order id)."""
        orders, reviews, installations = tables.orders, tables.risk_reviews, tables.installations
        reviewed = (
            select(reviews.c.id)
            .where(
                reviews.c.installation_id == orders.c.installation_id,
                reviews.c.saleor_order_id == orders.c.saleor_order_id,
            )
            .exists()
        )
        rows = self._connection.execute(
            select(orders.c.installation_id, orders.c.saleor_order_id)
            .join(installations, installations.c.id == orders.c.installation_id)
            .where(
                installations.c.status == InstallationStatus.ACTIVE.value,
                orders.c.status.not_in(CLOSED_ORDER_STATUSES),
                orders.c.refreshed_at <= now - grace,
                orders.c.refreshed_at > now - lookback,
                ~reviewed,
            )
            .order_by(orders.c.refreshed_at.desc())
            .limit(limit)
        )
        return [(InstallationId(row[0]), row[1]) for row in rows]

    def decide(self, installation_id: InstallationId, review: RiskReview) -> bool:
        """Record the decision unless one is recorded already (two clicks: one wins)."""
        table = tables.risk_reviews
        assert review.decision is not None
        updated = self._connection.execute(
            update(table)
            .where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == review.order_id,
                table.c.decision.is_(None),
            )
            .values(
                decision=review.decision.value,
                decided_by=review.decided_by[:320],
                decided_at=review.decided_at,
                decision_note=review.decision_note,
            )
        )
        return updated.rowcount == 1


class SqlRiskSettingsRepository:
    def __init__(self, connection: Connection, cipher: TokenCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    def _row(self, installation_id: InstallationId) -> Any:
        table = tables.risk_settings
        return self._connection.execute(
            select(table).where(table.c.installation_id == installation_id)
        ).first()

    def get(self, installation_id: InstallationId) -> RiskSettings:
        row = self._row(installation_id)
        return RiskSettings.from_values(row.values) if row is not None else RiskSettings()

    def stripe_key(self, installation_id: InstallationId) -> str:
        """The restricted Stripe key, decrypted ("" when none is stored)."""
        row = self._row(installation_id)
        if row is None or not row.stripe_key_encrypted:
            return ""
        return self._cipher.decrypt(row.stripe_key_encrypted)

    def _upsert(self, installation_id: InstallationId, **values: Any) -> None:
        table = tables.risk_settings
        values["updated_at"] = datetime.now(UTC)
        where = table.c.installation_id == installation_id
        if self._connection.execute(update(table).where(where).values(**values)).rowcount == 0:
            values.setdefault("values", RiskSettings().values())
            self._connection.execute(
                insert(table).values(installation_id=installation_id, **values)
            )

    def save(self, installation_id: InstallationId, settings: RiskSettings) -> None:
        self._upsert(installation_id, values=settings.values())

    def set_stripe_key(self, installation_id: InstallationId, key: str) -> None:
        """Store the key encrypted, or forget it ("")."""
        self._upsert(
            installation_id, stripe_key_encrypted=self._cipher.encrypt(key) if key else None
        )

"""Make a stored order pass the gate to vendors (app/domain/gate.py) the way a merchant does:
its risk review approved by a person, and the order charged in full in Saleor's copy. Tests
that are about something else than the gate start from such an order; the gate's own tests
(tests/unit/domain/test_gate.py, tests/integration/services/test_gate.py) start from others."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.adapters.saleor.parsing import parse_order
from app.domain.installations import InstallationId
from app.domain.risk.facts import PastOrder
from app.domain.risk.review import RiskReview
from app.domain.risk.scoring import Assessment, Decision, RiskSettings, Verdict
from app.services.unit_of_work import UnitOfWorkFactory

APPROVER = "reviewer@shop.test"
GO_AHEAD = {"go_ahead": "1", "go_ahead_reason": "test: drop-shipped unpaid on purpose"}
PAID_FIELDS = {"isPaid": True, "chargeStatus": "FULL", "authorizeStatus": "FULL"}


def paid(order: dict[str, Any]) -> dict[str, Any]:
    """The order JSON as Saleor answers it once charged in full."""
    return {**order, **PAID_FIELDS}


def approve_review(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> None:
    """A low-risk review of the order, approved by a person."""
    now = datetime.now(UTC)
    assessment = Assessment(0, Verdict.LOW, (), RiskSettings())
    review = RiskReview.of(order_id, "0", assessment, now).decide(Decision.APPROVED, APPROVER, now)
    past = PastOrder(order_id, now, "", "", "", (), None, "")
    with uow_factory() as uow:
        uow.risk_reviews.save(installation_id, review, past)
        uow.risk_reviews.decide(installation_id, review)
        uow.commit()


def pass_the_gate(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> None:
    """The stored order approved and marked paid (its copy), so its POs need no confirmation."""
    approve_review(uow_factory, installation_id, order_id)
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
        assert order is not None, "store the order first"
        uow.orders.save(installation_id, parse_order(paid(dict(order.info.raw))))
        uow.commit()

"""A stored risk review: the assessment the worker computed, and the merchant's decision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from app.domain.errors import RuleViolation
from app.domain.risk.scoring import Assessment, Decision, Reason, RiskSettings, Verdict


class RiskErrorCode(StrEnum):
    ALREADY_DECIDED = "risk_review_already_decided"
    NOT_REVIEWED = "risk_review_missing"


@dataclass(frozen=True)
class RiskReview:
    """The verdict on one order, why, the settings that produced it, and who decided what."""

    order_id: str
    order_number: str
    score: int
    verdict: Verdict
    reasons: tuple[Reason, ...]
    settings: RiskSettings
    reviewed_at: datetime
    decision: Decision | None = None
    decided_by: str = ""
    decided_at: datetime | None = None
    decision_note: str = ""
    inputs_digest: str = ""  # what was judged (facts.inputs_digest)
    changed_at: datetime | None = None  # the order changed after the decision

    @property
    def changed_since_decision(self) -> bool:
        return self.decision is not None and self.changed_at is not None

    @classmethod
    def of(
        cls,
        order_id: str,
        order_number: str,
        assessment: Assessment,
        at: datetime,
        inputs_digest: str = "",
    ) -> RiskReview:
        return cls(
            order_id,
            order_number,
            assessment.score,
            assessment.verdict,
            assessment.reasons,
            assessment.settings,
            at,
            inputs_digest=inputs_digest,
        )

    @property
    def is_done(self) -> bool:
        return self.decision is not None

    def ensure_open(self) -> None:
        """A decided review is refused a second decision, saying who made the first."""
        if self.decision is not None:
            raise RuleViolation(
                f"This order was already {self.decision.value} by {self.decided_by}.",
                code=RiskErrorCode.ALREADY_DECIDED,
            )

    def decide(self, decision: Decision, by: str, at: datetime, note: str = "") -> RiskReview:
        """Approve or reject, once."""
        self.ensure_open()
        return replace(self, decision=decision, decided_by=by, decided_at=at, decision_note=note)

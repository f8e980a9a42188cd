"""Risk settings (weights and thresholds), reasons, and the verdict they add up to.

The score is the sum of the weights of the signals that fired, capped at 100: every point on
the widget is a reason the merchant can read. The verdict compares the score with two
thresholds. Both are shop settings, and the review keeps the settings that produced it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import Any

from app.domain.errors import DomainValidationError

MAX_SCORE = 100


class Verdict(StrEnum):
    LOW = "low"
    REVIEW = "review"
    HIGH = "high"

    @property
    def label(self) -> str:
        return {"low": "Low risk", "review": "Review", "high": "High risk"}[self.value]


class Decision(StrEnum):
    """What the merchant decided about a reviewed order."""

    APPROVED = "approved"
    REJECTED = "rejected"


# name -> (label on the settings page, lowest, highest)
_BOUNDS: dict[str, tuple[str, int, int]] = {
    "review_threshold": ("Verdict 'review' from score", 1, 100),
    "high_threshold": ("Verdict 'high' from score", 1, 100),
    "weight_country_mismatch": ("Billing and shipping countries differ", 0, 100),
    "weight_postcode_mismatch": ("Billing and shipping postcodes differ", 0, 100),
    "weight_high_value": ("Order value far above the shop's usual", 0, 100),
    "high_value_min_orders": ("Orders needed before comparing values", 5, 10_000),
    "high_value_spread": ("'Far above' means more than median + N spreads", 1, 50),
    "weight_first_order": ("First order of this customer", 0, 100),
    "weight_guest": ("Guest checkout (no account)", 0, 100),
    "weight_velocity": ("Several orders in a short window", 0, 100),
    "velocity_window_hours": ("Window for several orders (hours)", 1, 720),
    "velocity_max_orders": ("Orders in the window that count as several", 2, 100),
    "weight_disposable_email": ("Disposable email domain", 0, 100),
    "weight_email_company_mismatch": ("Email domain does not match the billing company", 0, 100),
    "weight_forwarder": ("Shipping to a freight forwarder", 0, 100),
    "weight_po_box": ("Shipping to a PO box", 0, 100),
    "weight_high_quantity": ("High quantity of one variant", 0, 100),
    "high_quantity": ("Quantity that counts as high", 2, 100_000),
    "weight_payment_flag": ("Payment app reported a failure or risk", 0, 100),
    "weight_radar_elevated": ("Stripe Radar: elevated risk", 0, 100),
    "weight_radar_highest": ("Stripe Radar: highest risk", 0, 100),
}
MAX_EXTRA_FORWARDERS = 50
MAX_FORWARDER_LENGTH = 60


@dataclass(frozen=True)
class RiskSettings:
    """A shop's weights (points each signal adds) and thresholds; defaults are sensible."""

    review_threshold: int = 30
    high_threshold: int = 60
    weight_country_mismatch: int = 25
    weight_postcode_mismatch: int = 10
    weight_high_value: int = 25
    high_value_min_orders: int = 20
    high_value_spread: int = 3
    weight_first_order: int = 10
    weight_guest: int = 10
    weight_velocity: int = 30
    velocity_window_hours: int = 24
    velocity_max_orders: int = 3
    weight_disposable_email: int = 30
    weight_email_company_mismatch: int = 5
    weight_forwarder: int = 30
    weight_po_box: int = 15
    weight_high_quantity: int = 15
    high_quantity: int = 10
    weight_payment_flag: int = 20
    weight_radar_elevated: int = 30
    weight_radar_highest: int = 60
    extra_forwarders: tuple[str, ...] = ()

    @staticmethod
    def labels() -> dict[str, tuple[str, int, int]]:
        """Each number's label and bounds, in page order."""
        return dict(_BOUNDS)

    def values(self) -> dict[str, Any]:
        data = asdict(self)
        data["extra_forwarders"] = list(self.extra_forwarders)
        return data

    @classmethod
    def from_values(cls, data: Mapping[str, Any]) -> RiskSettings:
        """Stored values (unknown keys ignored, missing ones default): never raises."""
        known = {f.name for f in fields(cls)}
        kept: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            if key == "extra_forwarders":
                kept[key] = tuple(str(v) for v in value or ())[:MAX_EXTRA_FORWARDERS]
            elif isinstance(value, int) and key in _BOUNDS:
                low, high = _BOUNDS[key][1:]
                kept[key] = min(max(value, low), high)
        return replace(cls(), **kept)

    def summary(self) -> str:
        """What the widget shows under the verdict: the settings that produced it."""
        return (
            f"review from {self.review_threshold}, high from {self.high_threshold}; "
            f"value compared after {self.high_value_min_orders} orders; "
            f"{self.velocity_max_orders}+ orders in {self.velocity_window_hours} h count as "
            f"several; quantity {self.high_quantity}+ is high"
        )


def clean_risk_settings(data: Mapping[str, str]) -> RiskSettings:
    """The Settings page's "Risk review" form: whole numbers within bounds, thresholds in order,
    forwarder words one per line. Raises DomainValidationError with a message per field."""
    errors: dict[str, str] = {}
    numbers: dict[str, int] = {}
    defaults = RiskSettings()
    for name, (label, low, high) in _BOUNDS.items():
        raw = str(data.get(name, getattr(defaults, name))).strip()
        if not raw.isdigit() or len(raw) > 6 or not low <= int(raw) <= high:
            errors[name] = f"{label}: a whole number from {low} to {high}."
            continue
        numbers[name] = int(raw)
    if (
        "review_threshold" in numbers
        and "high_threshold" in numbers
        and numbers["high_threshold"] <= numbers["review_threshold"]
    ):
        errors["high_threshold"] = "The 'high' score must be above the 'review' score."
    words = [w.strip() for w in str(data.get("extra_forwarders", "")).splitlines() if w.strip()]
    if len(words) > MAX_EXTRA_FORWARDERS:
        errors["extra_forwarders"] = f"At most {MAX_EXTRA_FORWARDERS} forwarder names."
    elif any(len(w) > MAX_FORWARDER_LENGTH for w in words):
        errors["extra_forwarders"] = f"Each name at most {MAX_FORWARDER_LENGTH} characters."
    if errors:
        raise DomainValidationError(errors)
    return RiskSettings(**numbers, extra_forwarders=tuple(words))


@dataclass(frozen=True)
class Reason:
    """One signal that fired: plain words, the points it adds, the setting that weighs it."""

    code: str
    text: str
    weight: int
    setting: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "weight": self.weight,
            "setting": self.setting,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        return cls(
            str(data.get("code", "")),
            str(data.get("text", "")),
            int(data.get("weight", 0)),
            str(data.get("setting", "")),
        )


@dataclass(frozen=True)
class Assessment:
    """The score, the verdict, why, and the settings that produced them."""

    score: int
    verdict: Verdict
    reasons: tuple[Reason, ...]
    settings: RiskSettings


def verdict_for(score: int, settings: RiskSettings) -> Verdict:
    if score >= settings.high_threshold:
        return Verdict.HIGH
    if score >= settings.review_threshold:
        return Verdict.REVIEW
    return Verdict.LOW


def assess(reasons: Iterable[Reason], settings: RiskSettings) -> Assessment:
    """Add the reasons' weights up (0-100) and compare with the shop's thresholds; the
    reasons come heaviest first, so the widget leads with what weighs most."""
    kept = tuple(sorted(reasons, key=lambda r: -r.weight))
    score = min(MAX_SCORE, sum(max(r.weight, 0) for r in kept))
    return Assessment(score, verdict_for(score, settings), kept, settings)

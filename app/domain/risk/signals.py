"""The risk signals: each a small pure function of the order's facts (and the shop's history
and settings) that returns a Reason when it fires, or None."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS

from app.domain.money import Money
from app.domain.risk.facts import RiskFacts, ShopHistory, address_key
from app.domain.risk.places import forwarder_in, is_po_box
from app.domain.risk.scoring import Reason, RiskSettings

# Free-mail providers: a company customer writing from one of these is ordinary, so the
# "email domain does not match the company" signal does not fire for them.
FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com",
        "yandex.ru", "zoho.com", "fastmail.com", "t-online.de", "orange.fr", "free.fr",
        "laposte.net", "libero.it", "qq.com", "163.com", "naver.com",
    }
)  # fmt: skip
# Words in a payment app's event messages that mean it saw risk.
RISK_WORDS = re.compile(
    r"\b(fraud\w*|risk\w*|suspicious|stolen|blocked|radar|review|3-?d\s?secure|chargeback)\b",
    re.IGNORECASE,
)
PAYMENT_FAILURES = frozenset({"AUTHORIZATION_FAILURE", "CHARGE_FAILURE"})
# Company-name words that say nothing about the company's domain.
_COMPANY_NOISE = frozenset(
    {"inc", "llc", "ltd", "gmbh", "ag", "sa", "sas", "bv", "co", "corp", "company", "the", "and",
     "limited", "plc", "srl", "spa", "oy", "ab", "as", "kg", "group", "holding", "holdings"}
)  # fmt: skip


def billing_shipping_mismatch(facts: RiskFacts, settings: RiskSettings) -> Reason | None:
    """Billing and shipping countries differ (or, in one country, their postcodes)."""
    billing, shipping = facts.billing_address, facts.shipping_address
    if billing is None or shipping is None:
        return None
    if (
        billing.country_code
        and shipping.country_code
        and (billing.country_code.upper() != shipping.country_code.upper())
    ):
        return Reason(
            "country_mismatch",
            f"Billing country ({billing.country_code}) differs from shipping country "
            f"({shipping.country_code}).",
            settings.weight_country_mismatch,
            "weight_country_mismatch",
        )
    billing_code = "".join(billing.postal_code.upper().split())
    shipping_code = "".join(shipping.postal_code.upper().split())
    if billing_code and shipping_code and billing_code != shipping_code:
        return Reason(
            "postcode_mismatch",
            f"Billing postcode ({billing.postal_code}) differs from shipping postcode "
            f"({shipping.postal_code}).",
            settings.weight_postcode_mismatch,
            "weight_postcode_mismatch",
        )
    return None


def median_and_spread(totals: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    """The median and a robust spread (median absolute deviation, scaled to match a standard
    deviation for normal data: one refund or one huge order does not move it)."""
    values = sorted(totals)
    median = Decimal(statistics.median(values))
    deviation = Decimal(statistics.median(abs(v - median) for v in values))
    return median, deviation * Decimal("1.4826")


def high_value(facts: RiskFacts, history: ShopHistory, settings: RiskSettings) -> Reason | None:
    """The total is far above the shop's usual: more than median + N spreads of the app's own
    order history in that currency, once it holds enough orders to say."""
    if facts.total is None:
        return None
    totals = history.totals(facts.total.currency, excluding=facts.order_id)
    if len(totals) < settings.high_value_min_orders:
        return None
    median, spread = median_and_spread(totals)
    # identical totals have no spread: "far above" is then at least a tenth above the median
    spread = max(spread, median / 10)
    limit = median + settings.high_value_spread * spread
    if facts.total.amount <= limit:
        return None
    currency = facts.total.currency
    return Reason(
        "high_value",
        f"Order total {facts.total} is far above this shop's usual (median "
        f"{Money(median, currency)} over {len(totals)} orders; above "
        f"{Money(limit, currency)} counts as far).",
        settings.weight_high_value,
        "weight_high_value",
    )


def first_order(facts: RiskFacts, settings: RiskSettings) -> Reason | None:
    """A guest checkout, or the first order Saleor holds for this customer's email."""
    if facts.is_guest:
        return Reason(
            "guest_checkout",
            "Guest checkout: the customer has no account in the shop.",
            settings.weight_guest,
            "weight_guest",
        )
    if facts.customer_order_count is not None and facts.customer_order_count <= 1:
        return Reason(
            "first_order",
            "First order of this customer.",
            settings.weight_first_order,
            "weight_first_order",
        )
    return None


def several_orders(facts: RiskFacts, history: ShopHistory, settings: RiskSettings) -> Reason | None:
    """Several orders within the window from the same email, shipping address, card or IP."""
    if facts.created_at is None:
        return None
    window = timedelta(hours=settings.velocity_window_hours)
    mine = {
        "email": facts.email.lower(),
        "shipping address": address_key(facts.shipping_address),
        "card": facts.card_key,
    }
    ips = set(facts.ip_addresses)
    counts = {name: 0 for name in (*mine, "IP address")}
    for past in history.past_orders:
        if past.order_id == facts.order_id or past.created_at is None:
            continue
        if abs(past.created_at - facts.created_at) > window:
            continue
        theirs = {"email": past.email.lower(), "shipping address": past.address_key,
                  "card": past.card_key}  # fmt: skip
        for name, value in mine.items():
            if value and theirs[name] == value:
                counts[name] += 1
        if ips & set(past.ip_addresses):
            counts["IP address"] += 1
    hits = {name: n + 1 for name, n in counts.items() if n + 1 >= settings.velocity_max_orders}
    if not hits:
        return None
    said = ", ".join(f"{n} from the same {name}" for name, n in hits.items())
    return Reason(
        "several_orders",
        f"Several orders within {settings.velocity_window_hours} h: {said}.",
        settings.weight_velocity,
        "weight_velocity",
    )


def _domain_words(domain: str) -> set[str]:
    labels = domain.split(".")
    main = (
        labels[-3]
        if len(labels) >= 3 and len(labels[-2]) <= 3
        else labels[-2]
        if len(labels) >= 2
        else labels[0]
    )
    return {main} | set(re.split(r"[-_]", main))


def email_domain(facts: RiskFacts, settings: RiskSettings) -> Reason | None:
    """A disposable email domain (the maintained ``disposable-email-domains`` list), or a
    company customer whose email domain does not match the billing company's name."""
    domain = facts.email_domain
    if not domain:
        return None
    parts = domain.split(".")
    if any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1)):
        return Reason(
            "disposable_email",
            f"Disposable email address ({domain}).",
            settings.weight_disposable_email,
            "weight_disposable_email",
        )
    company = facts.billing_address.company_name if facts.billing_address else ""
    if not company or domain in FREE_MAIL or len(parts) < 2:
        return None
    squashed = re.sub(r"[^a-z0-9]", "", company.lower())
    words = {w for w in re.findall(r"[a-z0-9]+", company.lower()) if w not in _COMPANY_NOISE}
    labels = _domain_words(domain)
    if any(label and (label in squashed or label in words) for label in labels) or any(
        len(w) >= 3 and any(w in label for label in labels) for w in words
    ):
        return None
    return Reason(
        "email_company_mismatch",
        f"Email domain {domain} does not match the billing company ({company}).",
        settings.weight_email_company_mismatch,
        "weight_email_company_mismatch",
    )


def shipping_destination(facts: RiskFacts, settings: RiskSettings) -> Reason | None:
    """Shipping to a known freight forwarder, or to a PO box."""
    forwarder = forwarder_in(facts.shipping_address, settings.extra_forwarders)
    if forwarder is not None:
        return Reason(
            "freight_forwarder",
            f"Ships to a known freight forwarder ({forwarder}).",
            settings.weight_forwarder,
            "weight_forwarder",
        )
    if is_po_box(facts.shipping_address):
        return Reason("po_box", "Ships to a PO box.", settings.weight_po_box, "weight_po_box")
    return None


def high_quantity(facts: RiskFacts, settings: RiskSettings) -> Reason | None:
    """One variant ordered in a high quantity (lines of the same variant added up)."""
    per_variant: dict[str, tuple[str, int]] = {}
    for line in facts.lines:
        name, quantity = per_variant.get(line.variant_id or line.name, (line.name, 0))
        per_variant[line.variant_id or line.name] = (name, quantity + line.quantity)
    name, quantity = max(per_variant.values(), key=lambda item: item[1], default=("", 0))
    if quantity < settings.high_quantity:
        return None
    return Reason(
        "high_quantity",
        f"High quantity of one variant: {quantity} of {name}.",
        settings.weight_high_quantity,
        "weight_high_quantity",
    )


def payment_risk(facts: RiskFacts, settings: RiskSettings) -> list[Reason]:
    """What the payment itself says: failures and risk words in its transaction events (the
    payment app's own messages), and the IP address the legacy payment was made from."""
    reasons: list[Reason] = []
    flagged = [
        event
        for event in facts.payment_events
        if event.kind in PAYMENT_FAILURES or RISK_WORDS.search(event.message)
    ]
    if flagged:
        said = "; ".join(
            f"{e.kind.replace('_', ' ').lower()}: {e.message or 'no message'}"[:160]
            for e in flagged[:3]
        )
        reasons.append(
            Reason(
                "payment_flag",
                f"The payment app reported: {said}.",
                settings.weight_payment_flag,
                "weight_payment_flag",
            )
        )
    if facts.ip_addresses:
        reasons.append(
            Reason(
                "payment_ip",
                f"Paid from IP address {', '.join(facts.ip_addresses[:3])} (for information).",
                0,
            )
        )
    return reasons


class RadarStatus(StrEnum):
    READ = "read"
    UNAVAILABLE = "unavailable"
    KEY_REFUSED = "key_refused"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class RadarResult:
    """What Stripe Radar said about the PaymentIntent behind the order (its latest charge's
    ``outcome``), or why it could not be read."""

    status: RadarStatus
    payment_intent: str = ""
    risk_level: str = ""  # normal | elevated | highest | not_assessed | unknown
    risk_score: int | None = None
    rule: str = ""
    outcome_type: str = ""  # authorized | manual_review | issuer_declined | blocked | invalid
    seller_message: str = ""
    card_fingerprint: str = ""  # Stripe's card fingerprint: the real "same card" key


def radar_reasons(result: RadarResult, settings: RiskSettings) -> list[Reason]:
    """Radar's risk level, score and rule as reasons; an outage or a refused key is said, and
    weighs nothing (the review never waits on Stripe)."""
    if result.status is RadarStatus.UNAVAILABLE:
        return [Reason("radar_unavailable", "Stripe: unavailable (Radar not read).", 0)]
    if result.status is RadarStatus.KEY_REFUSED:
        return [Reason("radar_key_refused", "Stripe: key refused (check the key in Settings).", 0)]
    if result.status is RadarStatus.NOT_FOUND:
        return [
            Reason(
                "radar_not_found",
                f"Stripe: no charge found for {result.payment_intent} (Radar not read).",
                0,
            )
        ]
    if not result.risk_level and result.risk_score is None:
        return [
            Reason(
                "radar_not_assessed",
                f"Stripe Radar: no risk assessment on the charge of {result.payment_intent}.",
                0,
            )
        ]
    level = result.risk_level or "not assessed"
    weight, setting = 0, ""
    if level == "highest":
        weight, setting = settings.weight_radar_highest, "weight_radar_highest"
    elif level == "elevated":
        weight, setting = settings.weight_radar_elevated, "weight_radar_elevated"
    score = f", score {result.risk_score}" if result.risk_score is not None else ""
    text = f"Stripe Radar: {level.replace('_', ' ')} risk{score}"
    if result.rule:
        text += f", rule {result.rule}"
    if result.outcome_type:
        text += f", outcome {result.outcome_type.replace('_', ' ')}"
    if result.seller_message:
        text += f" ({result.seller_message})"
    return [Reason("radar", text + ".", weight, setting)]


Signal = Callable[[RiskFacts, RiskSettings], Reason | None]
SIMPLE_SIGNALS: tuple[Signal, ...] = (
    billing_shipping_mismatch,
    first_order,
    email_domain,
    shipping_destination,
    high_quantity,
)


def order_reasons(facts: RiskFacts, history: ShopHistory, settings: RiskSettings) -> list[Reason]:
    """Every signal over one order; Radar's reasons are added by the caller when it has them."""
    found = [signal(facts, settings) for signal in SIMPLE_SIGNALS]
    found += [high_value(facts, history, settings), several_orders(facts, history, settings)]
    reasons = [reason for reason in found if reason is not None]
    return reasons + payment_risk(facts, settings)

"""Risk review: computed in the worker when an order arrives or changes, shown in the order
widget, and decided by the merchant (approve confirms an unconfirmed order in Saleor; reject
cancels it there, with a note).

The score is the sum of the weights of the signals that fired (app/domain/risk), compared
with the shop's thresholds; the settings that produced it are stored with it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from app.domain.errors import DomainValidationError
from app.domain.installations import Installation, InstallationId
from app.domain.orders import OrderInfo
from app.domain.outbound import Channel, Subject
from app.domain.payments import AttemptStatus
from app.domain.risk.facts import PastOrder, RiskFacts, ShopHistory, address_key, inputs_digest
from app.domain.risk.review import RiskErrorCode, RiskReview
from app.domain.risk.scoring import Decision, RiskSettings, assess, clean_risk_settings
from app.domain.risk.signals import order_reasons, radar_reasons
from app.errors import Invalid, NoOp, NotFound, Retryable
from app.services import charges, orders, tasks
from app.services.forms import FormInvalid, refuse_control_characters
from app.services.outbound import (
    SALEOR_WRITE_POLICY,
    begin_outbound,
    outbound_failed,
    outbound_sent,
)
from app.services.ports import (
    RadarReader,
    SaleorApi,
    SaleorGateway,
    SaleorMutationFailed,
    SaleorUnavailable,
    TaskQueue,
)
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

logger = logging.getLogger(__name__)

# The shop's most recent reviewed orders the value and velocity signals compare with.
HISTORY_LIMIT = 1000
# At most this many Stripe PaymentIntents are read per order (one per transaction, usually 1).
MAX_PAYMENT_INTENTS = 2
MAX_REASON_LENGTH = 500


def _now() -> datetime:
    return datetime.now(UTC)


def past_order(facts: RiskFacts) -> PastOrder:
    """What the next reviews of the shop remember about this order."""
    return PastOrder(
        order_id=facts.order_id,
        created_at=facts.created_at,
        email=facts.email.lower(),
        address_key=address_key(facts.shipping_address),
        card_key=facts.card_key,
        ip_addresses=facts.ip_addresses,
        total=facts.total.amount if facts.total else None,
        currency=facts.total.currency if facts.total else "",
    )


def review_order_risk(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    radar: RadarReader,
    *,
    installation_id: InstallationId,
    order_id: str,
) -> RiskReview:
    """Read the order's risk facts from Saleor (and Radar, when the shop gave a Stripe key),
    score them against the shop's settings and history, and store the review. Idempotent: a
    recomputation replaces the score. A review a person already decided is not scored again:
    the decision stays, and when the order's inputs (email, addresses, total, lines, card)
    differ from those judged, the review is marked "order changed since review"."""
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
        if installation is None or not installation.is_active:
            raise NoOp("The app is not installed in this Saleor any more.")
        current = uow.risk_reviews.get(installation_id, order_id)
        settings = uow.risk_settings.get(installation_id)
        stripe_key = uow.risk_settings.stripe_key(installation_id)
        history = ShopHistory(tuple(uow.risk_reviews.history(installation_id, HISTORY_LIMIT)))
    api = saleor.api(installation.saleor_api_url, installation.token)
    facts = api.fetch_risk_facts(order_id)
    if facts is None:
        raise NoOp(f"Saleor has no order {order_id}.")
    digest = inputs_digest(facts)
    if current is not None and current.is_done:
        return _keep_decision(uow_factory, installation_id, current, digest)
    radar_results = [
        radar.read(stripe_key, intent)
        for intent in (facts.stripe_payment_intents[:MAX_PAYMENT_INTENTS] if stripe_key else ())
    ]
    fingerprint = next((r.card_fingerprint for r in radar_results if r.card_fingerprint), "")
    if fingerprint:  # Stripe knows the card: a better "same card" key than brand and digits
        facts = replace(facts, card_key=f"stripe:{fingerprint}")
    reasons = order_reasons(facts, history, settings)
    for result in radar_results:
        reasons += radar_reasons(result, settings)
    review = RiskReview.of(facts.order_id, facts.number, assess(reasons, settings), _now(), digest)
    with uow_factory() as uow:
        uow.risk_reviews.save(installation_id, review, past_order(facts))
        uow.commit()
    return review


def _keep_decision(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    review: RiskReview,
    digest: str,
) -> RiskReview:
    """A decided review stays as the person left it; an order whose inputs changed since is
    marked (once), and the gate to vendors asks again."""
    with uow_factory() as uow:
        uow.risk_reviews.mark_changed(installation_id, review.order_id, digest, _now())
        uow.commit()
        current = uow.risk_reviews.get(installation_id, review.order_id)
    return current or review


# An order without a review this long after it was stored lost its review task.
REVIEW_LOST_AFTER = timedelta(minutes=5)
# Orders stored longer ago are left to the widget's "Review now" (no flood after an upgrade).
REVIEW_SWEEP_LOOKBACK = timedelta(days=7)
REVIEW_SWEEP_BATCH = 100


def queue_missed_reviews(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, now: datetime | None = None
) -> int:
    """The beat's sweep: queue the review of every open order stored between five minutes and
    seven days ago that has none (the worker was down, or the task was lost), at most 100 a
    run, newest first. Returns how many were queued."""
    now = now or _now()
    with uow_factory() as uow:
        missed = uow.risk_reviews.orders_without_review(
            now, REVIEW_LOST_AFTER, REVIEW_SWEEP_LOOKBACK, REVIEW_SWEEP_BATCH
        )
    try:
        for installation_id, order_id in missed:
            queue.enqueue(
                tasks.REVIEW_ORDER_RISK, installation_id=installation_id, order_id=order_id
            )
    except Retryable as error:
        logger.warning("missed reviews not queued (%s); the next sweep will", error.message)
        return 0
    return len(missed)


def risk_review(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> RiskReview | None:
    """The stored review of an order (None until the worker computed one)."""
    with uow_factory() as uow:
        return uow.risk_reviews.get(installation_id, order_id)


@dataclass(frozen=True)
class ReviewDecided:
    """How a decision ended: the review as recorded, and the order's status in Saleor."""

    review: RiskReview
    order_status: str


def _load(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> tuple[Installation, RiskReview, str]:
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
        review = uow.risk_reviews.get(installation_id, order_id)
        order = uow.orders.get(installation_id, order_id)
    if installation is None or not installation.is_active:
        raise NotFound("The app is not installed in this Saleor.")
    if order is None:
        raise NotFound("This order has not reached the app yet.")
    if review is None:
        raise Invalid(
            "This order has no risk review yet: refresh in a moment.",
            code=RiskErrorCode.NOT_REVIEWED,
        )
    review.ensure_open()  # say who decided, before anything is sent to Saleor
    return installation, review, order.status


def _record(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    decided: RiskReview,
    note: str,
    info: OrderInfo | None,
) -> None:
    """The decision (once: a second click that got this far finds it taken), the order as
    Saleor answered, and the note for Saleor's order history, in one transaction."""
    with uow_factory() as uow:
        if info is not None:
            orders.store_order_info(uow, installation_id, info)
        if not uow.risk_reviews.decide(installation_id, decided):
            current = uow.risk_reviews.get(installation_id, decided.order_id)
            assert current is not None
            current.ensure_open()  # raises: says who decided first
        queue_write_back(uow, queue, installation_id, decided.order_id, note)
        uow.commit()


def approve_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    *,
    installation_id: InstallationId,
    order_id: str,
    actor: str,
) -> ReviewDecided:
    """The merchant approves: the review is done, and an UNCONFIRMED order is confirmed in
    Saleor first (orderConfirm; after a timeout it is read back, never sent twice blindly)."""
    _, review, status = _load(uow_factory, installation_id, order_id)
    if status == "UNCONFIRMED":  # the copy may be stale (confirmed in the dashboard): read it
        status = orders.refresh_order_by_id(uow_factory, saleor, installation_id, order_id).status
    if status == "UNCONFIRMED":  # confirm_order stores the order Saleor answers
        status = orders.confirm_order(uow_factory, saleor, installation_id, order_id)
    decided = review.decide(Decision.APPROVED, actor, _now())
    note = (
        f"Risk review approved by {actor} (score {review.score}, {review.verdict.label.lower()})."
    )
    _record(uow_factory, queue, installation_id, decided, note, None)
    return ReviewDecided(decided, status)


def cancel_order_key(order_id: str) -> str:
    return f"cancel-order-{order_id}"[:200]


_VOID_OUTCOMES = {
    AttemptStatus.APPROVED: "authorisation voided",
    AttemptStatus.PENDING: "void of the authorisation requested",
    AttemptStatus.REQUESTING: "void of the authorisation requested",
    AttemptStatus.UNKNOWN: "void of the authorisation requested (Saleor did not answer in time)",
    AttemptStatus.NO_GATEWAY: "no payment to void",
    AttemptStatus.NOTHING_TO_DO: "no authorisation left to void",
}


def release_payment_before_cancel(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    actor: str,
) -> str:
    """Before orderCancel: void the authorisation of the order's transaction that allows it
    (``transactionRequestAction`` CANCEL, recorded and never asked twice; refused while a charge
    is under way). Returns what happened, for the order's note."""
    attempt = charges.void_authorisations(
        uow_factory, saleor, queue, installation_id, order_id, actor
    )
    outcome = _VOID_OUTCOMES.get(attempt.status)
    return outcome or f"the void was not done ({attempt.message or attempt.status.value})"


def _cancel_in_saleor(
    uow_factory: UnitOfWorkFactory, api: SaleorApi, installation_id: InstallationId, order_id: str
) -> OrderInfo | None:
    """orderCancel as an outbound write (ADR 6): recorded and claimed before the call, so a
    second click while it is in flight sends nothing; after a timeout, or on a retry, the order
    is read back and a cancelled order is not cancelled again."""
    key = cancel_order_key(order_id)
    with uow_factory() as uow:
        attempt = begin_outbound(
            uow,
            installation_id,
            subject=Subject.ORDER,
            subject_id=order_id,
            channel=Channel.SALEOR_CANCEL_ORDER,
            key=key,
            token=uuid.uuid4().hex,
            policy=SALEOR_WRITE_POLICY,
        )
        if attempt is None:
            raise Invalid("This order is being cancelled in Saleor already: refresh in a moment.")
        uow.commit()

    def finish(reason: str | None) -> None:
        with uow_factory() as uow:
            if reason is None:
                outbound_sent(uow, installation_id, key)
            else:
                outbound_failed(uow, installation_id, key, reason)
            uow.commit()

    try:
        if attempt.attempts > 1:
            current = api.fetch_order(order_id)
            if current is not None and current.status == "CANCELED":
                finish(None)
                return current
        info = api.cancel_order(order_id)
    except SaleorUnavailable as error:
        try:  # Saleor may have cancelled it before the timeout
            current = api.fetch_order(order_id)
        except SaleorUnavailable:
            current = None
        if current is not None and current.status == "CANCELED":
            finish(None)
            return current
        finish(error.message)
        raise
    except SaleorMutationFailed as error:
        finish(error.message)
        raise
    finish(None)
    return info


def reject_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    *,
    installation_id: InstallationId,
    order_id: str,
    actor: str,
    reason: str,
) -> ReviewDecided:
    """The merchant rejects: (1) void the payment's authorisation, (2) cancel the order in
    Saleor (orderCancel), (3) record the decision and put a note with the reason on the order."""
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid(
            "Say why the order is rejected (it goes into the order's note).", field="reason"
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid(f"At most {MAX_REASON_LENGTH} characters.", field="reason")
    installation, review, status = _load(uow_factory, installation_id, order_id)
    decided = review.decide(Decision.REJECTED, actor, _now(), reason)
    info, payment = None, ""
    if status != "CANCELED":
        payment = release_payment_before_cancel(
            uow_factory, saleor, queue, installation_id, order_id, actor
        )
        api = saleor.api(installation.saleor_api_url, installation.token)
        info = _cancel_in_saleor(uow_factory, api, installation_id, order_id)
        status = info.status if info is not None else "CANCELED"
    note = (
        f"Risk review: rejected by {actor} (score {review.score}, "
        f"{review.verdict.label.lower()}): {reason}. Order cancelled"
        + (f"; payment: {payment}." if payment else ".")
    )
    _record(uow_factory, queue, installation_id, decided, note, info)
    return ReviewDecided(decided, status)


# --- settings ------------------------------------------------------------------------------

STRIPE_KEY_PREFIXES = ("rk_live_", "rk_test_", "sk_live_", "sk_test_")
MAX_STRIPE_KEY_LENGTH = 255


@dataclass(frozen=True)
class RiskSettingsView:
    settings: RiskSettings
    stripe_key_stored: bool


def get_risk_settings(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId
) -> RiskSettingsView:
    with uow_factory() as uow:
        settings = uow.risk_settings.get(installation_id)
        stored = bool(uow.risk_settings.stripe_key(installation_id))
    return RiskSettingsView(settings, stored)


def save_risk_settings(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    data: dict[str, str],
) -> RiskSettingsView:
    """The Settings page's "Risk review" form. The Stripe key is write-only: empty keeps the
    stored one, "forget" removes it; it is checked for shape, never echoed or logged."""
    refuse_control_characters(data, multiline=("extra_forwarders",))
    errors: dict[str, str] = {}
    settings = RiskSettings()
    try:
        settings = clean_risk_settings(data)
    except DomainValidationError as error:
        errors.update(error.errors)
    key = str(data.get("stripe_key") or "").strip()
    if key and (
        not key.startswith(STRIPE_KEY_PREFIXES)
        or len(key) > MAX_STRIPE_KEY_LENGTH
        or not key.replace("_", "").isalnum()
    ):
        errors["stripe_key"] = "Paste a restricted key (rk_live_... or rk_test_...) from Stripe."
    if errors:
        raise FormInvalid(errors)
    with uow_factory() as uow:
        uow.risk_settings.save(installation_id, settings)
        if str(data.get("stripe_key_forget") or "") == "1":
            uow.risk_settings.set_stripe_key(installation_id, "")
        elif key:
            uow.risk_settings.set_stripe_key(installation_id, key)
        uow.commit()
    return get_risk_settings(uow_factory, installation_id)


def request_risk_review(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    *,
    installation_id: InstallationId,
    order_id: str,
) -> None:
    """The widget's "Review again": queue the review of an order the app holds."""
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
    if order is None:
        raise NotFound("This order has not reached the app yet.")
    queue.enqueue(tasks.REVIEW_ORDER_RISK, installation_id=installation_id, order_id=order_id)

"""Charging an order through Saleor's Transactions API and following each charge to its end;
voiding authorisations before a rejected order is cancelled (docs/adr/0013-charges.md).

Saleor answers ``transactionRequestAction`` at once with only a ``*_REQUEST`` event and never
says how the payment app answered: the app reads the transaction again (short polls in the
worker, a beat sweep, the order's paid webhooks, the widget's own polls) until a final event
lands. Saleor does not stop a second charge either, so the app is the only guard: one attempt
per order and action in flight (a partial unique index), the amount re-read right before the
request, and a request that timed out is asked again only when the transaction's events show
that Saleor never took it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.domain.installations import Installation, InstallationId
from app.domain.payments import (
    AttemptStatus,
    Conclusion,
    OrderPayments,
    PaymentAction,
    PaymentAttempt,
    conclude,
    format_money,
)
from app.errors import ErrorCode, Invalid, NotFound, Permanent, Retryable
from app.services.channels import MailDefaults, smtp_for
from app.services.forms import refuse_control_characters
from app.services.ports import (
    Mailer,
    OutgoingEmail,
    SaleorApi,
    SaleorGateway,
    SaleorMutationFailed,
    SaleorRefused,
    SaleorUnavailable,
    TaskQueue,
)
from app.services.tasks import TaskName
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

logger = logging.getLogger(__name__)

# The worker's short polls right after a request (seconds between reads, about 8 s in all);
# a charge still pending after them is left to the beat sweep and the paid webhooks.
POLL_DELAYS: tuple[float, ...] = (0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 2.0)
# A request whose answer was lost is asked again only this long after it was sent, so that a
# request Saleor was still working on has landed (or died) before its events are read.
RESEND_AFTER = timedelta(seconds=30)
# An attempt still "requesting" this long after it was recorded lost its process.
STALE_REQUESTING = timedelta(minutes=2)
NO_WEBHOOK = "MISSING_TRANSACTION_ACTION_REQUEST_WEBHOOK"
MAX_SUBJECT = 200
MAX_BODY = 5000


class PaymentUnderWay(Permanent):
    """A charge (or void) of this order is in flight: no second one until it ends."""

    code = ErrorCode.CONFLICT


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _installation(uow: UnitOfWork, installation_id: InstallationId) -> Installation:
    installation = uow.installations.get(installation_id)
    if installation is None or not installation.is_active:
        raise NotFound("The app is not installed in this Saleor.")
    return installation


def _api(saleor: SaleorGateway, installation: Installation) -> SaleorApi:
    return saleor.api(installation.saleor_api_url, installation.token)


def _queue_follow(queue: TaskQueue, installation_id: InstallationId, attempt_id: int) -> None:
    try:
        queue.enqueue(
            TaskName.FOLLOW_PAYMENT, installation_id=installation_id, attempt_id=attempt_id
        )
    except Retryable as error:
        logger.warning("follow-up of payment %s not queued (%s); the sweep will", attempt_id, error)


# --- asking Saleor ----------------------------------------------------------------------------


def charge_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    actor: str,
) -> PaymentAttempt:
    """The merchant's "Charge": record the attempt (refused while one is in flight), re-read
    the amount from Saleor, ask for the charge, and queue its follow-up."""
    return _start(
        uow_factory, saleor, queue, installation_id, order_id, actor, PaymentAction.CHARGE
    )


def _start(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    actor: str,
    action: PaymentAction,
) -> PaymentAttempt:
    if not order_id:
        raise NotFound("Open the widget from an order.")
    with uow_factory() as uow:
        installation = _installation(uow, installation_id)
        if action is PaymentAction.CANCEL and uow.payments.in_flight(
            installation_id, order_id, PaymentAction.CHARGE
        ):
            raise PaymentUnderWay("A charge of this order is under way: wait for its result.")
        attempt = uow.payments.start(installation_id, order_id, action, actor, _now())
        if attempt is None:
            what = "charge" if action is PaymentAction.CHARGE else "void"
            raise PaymentUnderWay(
                f"A {what} of this order is already under way: wait for its result."
            )
        uow.commit()
    _request(uow_factory, saleor, queue, installation, attempt)
    with uow_factory() as uow:
        found = uow.payments.get(installation_id, attempt.id)
    assert found is not None
    return found


def _finish(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    attempt_id: int,
    status: AttemptStatus,
    message: str,
) -> None:
    with uow_factory() as uow:
        uow.payments.update(
            installation_id, attempt_id, status=status, message=message[:2000], finished_at=_now()
        )
        uow.commit()


def _request(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation: Installation,
    attempt: PaymentAttempt,
) -> None:
    """Re-read the order's payments, pick the transaction and amount, then ask Saleor."""
    assert installation.id is not None
    installation_id = installation.id
    api = _api(saleor, installation)
    try:
        payments = api.fetch_order_payments(attempt.order_id)
    except (SaleorUnavailable, SaleorRefused) as error:
        _finish(
            uow_factory,
            installation_id,
            attempt.id,
            AttemptStatus.FAILED,
            f"The order's payments could not be read from Saleor, so nothing was asked: "
            f"{error.message}",
        )
        return
    if payments is None:
        _finish(
            uow_factory,
            installation_id,
            attempt.id,
            AttemptStatus.FAILED,
            "Saleor has no such order.",
        )
        return
    chosen = _choose(payments, attempt.action)
    if chosen.status is not None:
        _finish(uow_factory, installation_id, attempt.id, chosen.status, chosen.why)
        return
    transaction_id, amount = chosen.transaction_id, chosen.amount
    transaction = payments.transaction(transaction_id)
    assert transaction is not None
    with uow_factory() as uow:
        uow.payments.update(
            installation_id,
            attempt.id,
            transaction_id=transaction_id,
            amount=amount,
            currency=payments.currency[:3],
            known_event_ids=transaction.event_ids,
            requested_at=_now(),
        )
        uow.commit()
    _send(
        uow_factory, api, queue, installation_id, attempt.id, transaction_id, attempt.action, amount
    )


@dataclass(frozen=True)
class _Choice:
    """The transaction and amount to request, or the final status when nothing is asked."""

    transaction_id: str = ""
    amount: Decimal | None = None
    status: AttemptStatus | None = None
    why: str = ""


def _choose(payments: OrderPayments, action: PaymentAction) -> _Choice:
    if action is PaymentAction.CANCEL:
        voidable = payments.voidable()
        if not voidable:
            return _Choice(status=AttemptStatus.NOTHING_TO_DO, why="No authorisation to void.")
        return _Choice(voidable[0].id)
    reason = payments.no_gateway_reason()
    if reason:
        return _Choice(status=AttemptStatus.NO_GATEWAY, why=reason)
    transaction = payments.chargeable()
    if transaction is not None:
        return _Choice(transaction.id, payments.amount_to_charge)
    if payments.is_fully_charged:
        why = "The order is paid: nothing is left to charge."
    elif payments.charge_pending > 0:
        why = "A charge is already pending at the payment provider."
    else:
        why = "Nothing authorised is left to charge."
    return _Choice(status=AttemptStatus.NOTHING_TO_DO, why=why)


def _send(
    uow_factory: UnitOfWorkFactory,
    api: SaleorApi,
    queue: TaskQueue,
    installation_id: InstallationId,
    attempt_id: int,
    transaction_id: str,
    action: PaymentAction,
    amount: Decimal | None,
) -> AttemptStatus:
    """One ``transactionRequestAction``; the attempt's status from Saleor's answer."""
    status, message = AttemptStatus.PENDING, ""
    try:
        api.request_transaction_action(transaction_id, action, amount)
    except SaleorMutationFailed as error:
        codes = {str(e.get("code")) for e in error.errors}
        if NO_WEBHOOK in codes:
            status, message = (
                AttemptStatus.NO_GATEWAY,
                "No payment app stands behind the order's transaction "
                "(Saleor: MISSING_TRANSACTION_ACTION_REQUEST_WEBHOOK).",
            )
        else:
            status, message = AttemptStatus.FAILED, error.message
    except SaleorRefused as error:
        status, message = AttemptStatus.FAILED, error.message
    except SaleorUnavailable as error:
        status = AttemptStatus.UNKNOWN
        message = f"Saleor did not answer the request ({error.message}); checking its events."
    with uow_factory() as uow:
        values: dict[str, Any] = {"status": status, "message": message[:2000]}
        if not status.in_flight:
            values["finished_at"] = _now()
        uow.payments.update(installation_id, attempt_id, **values)
        if status.in_flight:
            uow.after_commit(lambda: _queue_follow(queue, installation_id, attempt_id))
        uow.commit()
    return status


# --- following a request to its end ------------------------------------------------------------


def check_payment(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    attempt_id: int,
) -> AttemptStatus:
    """Read the attempt's transaction once and record what its events say; ask again when a
    request whose answer was lost never reached Saleor."""
    with uow_factory() as uow:
        attempt = uow.payments.get(installation_id, attempt_id)
        if attempt is None:
            raise NotFound(f"No payment attempt {attempt_id}.")
        installation = _installation(uow, installation_id)
    if not attempt.in_flight:
        return attempt.status
    now = _now()
    requested_at = _aware(attempt.requested_at)
    if attempt.status is AttemptStatus.REQUESTING:
        created_at = _aware(attempt.created_at) or now
        if now - created_at < STALE_REQUESTING:
            return attempt.status  # its request is being made right now
        if requested_at is None or attempt.transaction_id is None:
            _finish(
                uow_factory,
                installation_id,
                attempt_id,
                AttemptStatus.FAILED,
                "Interrupted before Saleor was asked: nothing was charged. Try again.",
            )
            return AttemptStatus.FAILED
    assert attempt.transaction_id is not None
    api = _api(saleor, installation)
    payments = api.fetch_order_payments(attempt.order_id)  # SaleorUnavailable: try later
    transaction = payments.transaction(attempt.transaction_id) if payments else None
    if payments is None or transaction is None:
        _finish(
            uow_factory,
            installation_id,
            attempt_id,
            AttemptStatus.FAILED,
            "The transaction is no longer on the order in Saleor.",
        )
        return AttemptStatus.FAILED
    conclusion = conclude(transaction, attempt.action, attempt.known_event_ids or ())
    if conclusion.status is AttemptStatus.UNKNOWN:
        if attempt.status is AttemptStatus.PENDING:
            return attempt.status
        if requested_at is not None and now - requested_at < RESEND_AFTER:
            return attempt.status
        # Saleor never took the request: ask again, for the amount authorised now.
        amount = None
        if attempt.action is PaymentAction.CHARGE:
            chosen = _choose(payments, attempt.action)
            if chosen.status is not None:
                _finish(uow_factory, installation_id, attempt_id, chosen.status, chosen.why)
                return chosen.status
            amount = chosen.amount
        with uow_factory() as uow:  # one follower asks again: the others see a fresh request
            claimed = uow.payments.update(
                installation_id,
                attempt_id,
                requested_before=now - RESEND_AFTER,
                status=AttemptStatus.REQUESTING,
                amount=amount,
                known_event_ids=transaction.event_ids,
                requested_at=now,
            )
            uow.commit()
        if not claimed:
            return attempt.status
        return _send(
            uow_factory,
            api,
            queue,
            installation_id,
            attempt_id,
            attempt.transaction_id,
            attempt.action,
            amount,
        )
    if conclusion.status is AttemptStatus.PENDING:
        with uow_factory() as uow:
            uow.payments.update(
                installation_id, attempt_id, status=AttemptStatus.PENDING, checked_at=now
            )
            uow.commit()
        return AttemptStatus.PENDING
    _conclude(uow_factory, queue, installation_id, attempt, conclusion, payments)
    return conclusion.status


def _conclude(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    attempt: PaymentAttempt,
    conclusion: Conclusion,
    payments: OrderPayments,
) -> None:
    """Record the final event once (the first follower to get here) with a note for Saleor."""
    amount = conclusion.amount if conclusion.amount is not None else attempt.amount
    with uow_factory() as uow:
        changed = uow.payments.update(
            installation_id,
            attempt.id,
            status=conclusion.status,
            message=conclusion.message[:2000],
            psp_reference=conclusion.psp_reference[:500],
            amount=amount,
            finished_at=conclusion.at or _now(),
            checked_at=_now(),
        )
        if changed:
            note = _note(attempt, conclusion, payments, amount)
            queue_write_back(uow, queue, installation_id, attempt.order_id, note)
        uow.commit()


def _note(
    attempt: PaymentAttempt, conclusion: Conclusion, payments: OrderPayments, amount: Decimal | None
) -> str:
    money = format_money(amount or Decimal(0), payments.currency or attempt.currency)
    reference = (
        f" (payment reference {conclusion.psp_reference})" if conclusion.psp_reference else ""
    )
    who = f"requested by {attempt.requested_by}"
    if attempt.action is PaymentAction.CANCEL:
        if conclusion.status is AttemptStatus.APPROVED:
            return f"Drop-ship: authorisation of {money} voided{reference}, {who}."
        return f"Drop-ship: voiding the authorisation failed, {who}: {conclusion.message}"
    if conclusion.status is AttemptStatus.APPROVED:
        return f"Drop-ship: charged {money}{reference}, {who}."
    if conclusion.status is AttemptStatus.DECLINED:
        customer = payments.customer_email or "the customer"
        return (
            f"Drop-ship: charge of {money} declined by the payment provider, {who}: "
            f"{conclusion.message}. Ask {customer} to update their payment method."
        )
    return (
        f"Drop-ship: charge of {money} not made: the payment app did not answer "
        f"(Saleor: {conclusion.message}), {who}."
    )


def follow_payment(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    attempt_id: int,
    polls: Sequence[float] = POLL_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """The worker's short polls right after a request; a charge still pending after them is
    followed by the beat sweep and the order's paid webhooks."""
    status = check_payment(uow_factory, saleor, queue, installation_id, attempt_id)
    for delay in polls:
        if not status.in_flight:
            break
        sleep(delay)
        status = check_payment(uow_factory, saleor, queue, installation_id, attempt_id)
    return status.value


def follow_order_payments(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
) -> int:
    """An order's paid webhook: check each of its attempts in flight once."""
    with uow_factory() as uow:
        ids = [a.id for a in uow.payments.list_for_order(installation_id, order_id) if a.in_flight]
    for attempt_id in ids:
        check_payment(uow_factory, saleor, queue, installation_id, attempt_id)
    return len(ids)


def follow_payments_in_flight(
    uow_factory: UnitOfWorkFactory, saleor: SaleorGateway, queue: TaskQueue
) -> int:
    """The beat sweep: every attempt of every shop still in flight, checked once."""
    with uow_factory() as uow:
        in_flight = uow.payments.all_in_flight()
    for installation_id, attempt_id in in_flight:
        try:
            check_payment(uow_factory, saleor, queue, installation_id, attempt_id)
        except (Retryable, Permanent) as error:
            logger.warning("payment %s not checked: %s", attempt_id, error.message)
    return len(in_flight)


# --- voiding ---------------------------------------------------------------------------------


def void_authorisations(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    actor: str,
) -> PaymentAttempt:
    """Before a rejected order is cancelled: ask Saleor to CANCEL the authorisation of the
    order's transaction that offers it. Recorded like a charge; a void in flight is returned as
    it is (never asked twice); refused while a charge is in flight."""
    with uow_factory() as uow:
        existing = uow.payments.in_flight(installation_id, order_id, PaymentAction.CANCEL)
    if existing is not None:
        return existing
    return _start(
        uow_factory, saleor, queue, installation_id, order_id, actor, PaymentAction.CANCEL
    )


# --- the widget's panel and the customer email -------------------------------------------------


@dataclass(frozen=True)
class ChargePanel:
    """What the widget's payment panel shows."""

    payments: OrderPayments | None
    latest: PaymentAttempt | None  # the latest charge attempt
    error: str = ""  # the payments could not be read

    @property
    def amount_text(self) -> str:
        if self.payments is None:
            return ""
        return format_money(self.payments.amount_to_charge, self.payments.currency)

    @property
    def is_paid(self) -> bool:
        return (
            self.payments is not None
            and self.payments.is_fully_charged
            and (self.payments.amount_to_charge == 0)
        )

    @property
    def no_gateway_reason(self) -> str | None:
        """Why nothing can be charged (None for a paid order: it needs no gateway here)."""
        if self.payments is None or self.is_paid:
            return None
        return self.payments.no_gateway_reason()

    def money(self, amount: Decimal | None) -> str:
        currency = self.payments.currency if self.payments else ""
        currency = currency or (self.latest.currency if self.latest else "")
        return format_money(amount or Decimal(0), currency)


def charge_panel(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
) -> ChargePanel:
    """The order's payments as Saleor has them now and its latest charge attempt (checked once
    more when it is in flight, so an open widget moves on even while the worker is busy)."""
    with uow_factory() as uow:
        installation = _installation(uow, installation_id)
        latest = latest_charge(uow, installation_id, order_id)
    if latest is not None and latest.in_flight:
        try:
            check_payment(uow_factory, saleor, queue, installation_id, latest.id)
        except (Retryable, Permanent) as error:
            logger.info("payment %s not checked from the widget: %s", latest.id, error.message)
        with uow_factory() as uow:
            latest = uow.payments.get(installation_id, latest.id)
    try:
        payments = _api(saleor, installation).fetch_order_payments(order_id)
    except (SaleorUnavailable, SaleorRefused) as error:
        return ChargePanel(
            None, latest, f"Could not read the payments from Saleor: {error.message}"
        )
    return ChargePanel(payments, latest)


def latest_charge(
    uow: UnitOfWork, installation_id: InstallationId, order_id: str
) -> PaymentAttempt | None:
    """The order's most recent charge attempt (voids left out), or None."""
    attempts = uow.payments.list_for_order(installation_id, order_id)
    return next((a for a in attempts if a.action is PaymentAction.CHARGE), None)


def payment_email_draft(shop_name: str, order_number: str, amount: str) -> tuple[str, str]:
    """The default "please update your payment method" email (subject, body)."""
    shop = shop_name or "our shop"
    subject = f"Your order #{order_number}: please update your payment method"
    body = (
        "Hello,\n\n"
        f"Thank you for your order #{order_number} at {shop}. We could not collect the "
        f"payment of {amount}: your payment provider declined it.\n\n"
        "Please update your payment method, or reply to this email and we will help you "
        "finish the order.\n\n"
        f"Kind regards,\n{shop}"
    )
    return subject, body


def shop_name(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> str:
    with uow_factory() as uow:
        return uow.settings.get(installation_id).shop_name


def send_payment_email(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    defaults: MailDefaults,
    queue: TaskQueue,
    installation_id: InstallationId,
    attempt_id: int,
    to: str,
    subject: str,
    body: str,
    actor: str,
) -> str:
    """Send the (possibly edited) "please update your payment method" email for a declined
    charge through the shop's mail settings; note it on the order. Returns the address."""
    to, subject, body = to.strip(), subject.strip(), body.strip()
    errors: dict[str, str] = {}
    if "@" not in to or len(to) > 320 or any(c.isspace() for c in to) or "," in to:
        errors["to"] = "Enter one email address."
    if not subject or len(subject) > MAX_SUBJECT or "\n" in subject:
        errors["subject"] = f"Enter a subject of one line, at most {MAX_SUBJECT} characters."
    if not body or len(body) > MAX_BODY:
        errors["body"] = f"Enter the message, at most {MAX_BODY} characters."
    if errors:
        raise Invalid(next(iter(errors.values())), field=next(iter(errors)))
    refuse_control_characters({"to": to, "subject": subject, "body": body}, multiline=("body",))
    with uow_factory() as uow:
        attempt = uow.payments.get(installation_id, attempt_id)
        if attempt is None or attempt.action is not PaymentAction.CHARGE:
            raise NotFound("This charge does not exist.")
        if attempt.status is not AttemptStatus.DECLINED:
            raise Invalid("Only a declined charge asks the customer for a new payment method.")
        settings = uow.settings.get(installation_id)
    smtp = smtp_for(settings, defaults)
    if smtp is None:
        raise Invalid("No mail server is set up: enter your SMTP server in Settings.")
    email = OutgoingEmail(
        sender=smtp.sender,
        to=(to,),
        subject=subject,
        text_body=body,
        message_id=f"<payment-{installation_id}-{attempt_id}-{uuid.uuid4().hex}@"
        f"{defaults.message_domain}>",
        reply_to=settings.merchant_email or None,
    )
    mailer.send(email, smtp)  # MailUnavailable / MailRejected: shown, nothing recorded
    with uow_factory() as uow:
        uow.payments.update(
            installation_id,
            attempt_id,
            only_in_flight=False,
            email_sent_at=_now(),
            email_sent_to=to,
        )
        queue_write_back(
            uow,
            queue,
            installation_id,
            attempt.order_id,
            f"Drop-ship: {actor} asked {to} to update their payment method (email sent).",
        )
        uow.commit()
    return to

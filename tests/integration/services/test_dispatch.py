import socket

import pytest

from app.adapters.documents import TemplateDocuments
from app.adapters.email_smtp import SmtpMailer
from app.bootstrap import purchase_order_channels
from app.domain.purchase_orders import POStatus
from app.domain.vendors import IntegrationKind
from app.errors import NoOp
from app.services.channels import MailDefaults
from app.services.dispatch import (
    SendOutcome,
    dispatch_purchase_order,
    record_send,
    send_key,
)
from app.services.outbound import PO_SEND_POLICY, claim_outbound
from app.services.ports import MailRejected, MailUnavailable, SmtpSettings
from app.services.purchase_orders import (
    cancel_purchase_order,
    create_purchase_orders,
    list_purchase_orders,
    send_purchase_order,
)
from app.services.shop_settings import save_settings
from tests.fakes import FakeDocuments, FakeMailer, RecordingTaskQueue
from tests.integration.services.conftest import pending_notes

SMTP = SmtpSettings(host="127.0.0.1", port=2525, sender="orders@shop.test", security="none")
DEFAULTS = MailDefaults(smtp=SMTP, message_domain="dropship.test")


@pytest.fixture
def acme_po(catalogue):
    return create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor="staff@shop.test",
        send=True,
    )[0]


def _dispatch(
    catalogue, po, mailer, *, revision=0, token="task-1", final=False, defaults=DEFAULTS, queue=None
):
    return dispatch_purchase_order(
        catalogue.uow_factory,
        purchase_order_channels(mailer, FakeDocuments(), defaults),
        queue or RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        po_id=po.id,
        revision=revision,
        actor="staff@shop.test",
        claim_token=token,
        final_attempt=final,
    )


def _po(catalogue, po):
    return next(
        p
        for p in list_purchase_orders(
            catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
        )
        if p.id == po.id
    )


def test_sends_the_pdf_to_the_vendor_and_marks_the_po_sent(catalogue, acme_po, engine):
    mailer, queue = FakeMailer(), RecordingTaskQueue()
    save_settings(
        catalogue.uow_factory,
        catalogue.installation_id,
        {"shop_name": "Shop", "merchant_email": "me@shop.test"},
    )

    assert _dispatch(catalogue, acme_po, mailer, queue=queue) is SendOutcome.SENT

    [(email, smtp)] = mailer.sent
    assert (email.to, email.reply_to, email.sender, smtp) == (
        ("po@acme.test",),
        "me@shop.test",
        "orders@shop.test",
        SMTP,
    )
    assert email.subject == "Purchase order 1042-1 from Shop"
    assert email.message_id == f"<po-{catalogue.installation_id}-{acme_po.id}-r1@dropship.test>"
    assert [(a.filename, a.content_type, a.data) for a in email.attachments] == [
        ("PO-1042-1.pdf", "application/pdf", b"%PDF 1042-1 ACME")
    ]
    po = _po(catalogue, acme_po)
    assert (po.status, po.sent_via, po.revision) == (POStatus.SENT, "email", 1)
    assert queue.tasks == []  # the write-back queued when the POs were created carries it
    assert pending_notes(engine, catalogue.order_id) == [
        "Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts).",
        "PO 1042-1 sent to Acme Supply by email.",
    ]


def test_a_second_task_for_the_same_revision_sends_nothing(catalogue, acme_po):
    mailer = FakeMailer()
    _dispatch(catalogue, acme_po, mailer)

    with pytest.raises(NoOp):
        _dispatch(catalogue, acme_po, mailer, token="task-2")

    assert len(mailer.sent) == 1


def test_a_concurrent_task_cannot_take_a_claimed_send(catalogue, acme_po):
    with catalogue.uow_factory() as uow:
        po = uow.purchase_orders.get(catalogue.installation_id, acme_po.id)
        record_send(uow, catalogue.installation_id, po, "email")
        assert claim_outbound(
            uow,
            catalogue.installation_id,
            send_key(catalogue.installation_id, po),
            "task-1",
            PO_SEND_POLICY,
        )
        uow.commit()
    mailer = FakeMailer()

    with pytest.raises(NoOp):
        _dispatch(catalogue, acme_po, mailer, token="task-2")

    assert mailer.sent == []
    assert _dispatch(catalogue, acme_po, mailer, token="task-1") is SendOutcome.SENT


def test_refusal_marks_send_failed_with_the_reason(catalogue, acme_po):
    mailer = FakeMailer()
    mailer.fail_with = MailRejected("The SMTP server refused po@acme.test: mailbox unavailable.")

    assert _dispatch(catalogue, acme_po, mailer) is SendOutcome.FAILED

    po = _po(catalogue, acme_po)
    assert (po.status, po.failure_reason) == (
        POStatus.SEND_FAILED,
        "The SMTP server refused po@acme.test: mailbox unavailable.",
    )


def test_outage_is_retried_and_only_the_last_attempt_fails_the_po(catalogue, acme_po):
    mailer = FakeMailer()
    mailer.fail_with = MailUnavailable("Could not reach the SMTP server.")

    with pytest.raises(MailUnavailable):
        _dispatch(catalogue, acme_po, mailer)
    assert _po(catalogue, acme_po).status is POStatus.CREATED
    assert _dispatch(catalogue, acme_po, mailer, final=True) is SendOutcome.FAILED

    assert _po(catalogue, acme_po).status is POStatus.SEND_FAILED


def test_a_send_that_finally_failed_says_it_will_not_be_retried_and_what_to_do(catalogue, acme_po):
    with socket.socket() as probe:  # a port nothing listens on: the real mailer's outage words
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    smtp = SmtpSettings(host="127.0.0.1", port=closed_port, sender="o@shop.test", security="none")
    mailer = SmtpMailer(private_hosts_allowed=True)
    defaults = MailDefaults(smtp=smtp, message_domain="dropship.test")
    with pytest.raises(MailUnavailable, match="it will be tried again"):
        _dispatch(catalogue, acme_po, mailer, defaults=defaults)

    assert _dispatch(catalogue, acme_po, mailer, defaults=defaults, final=True) is (
        SendOutcome.FAILED
    )

    reason = _po(catalogue, acme_po).failure_reason
    assert reason.startswith(f"Could not connect to the SMTP server at 127.0.0.1:{closed_port}")
    assert "it will be tried again" not in reason
    assert reason.endswith(
        "Tried 2 times; it will not be tried again: fix the cause, then press Retry."
    )


def test_resend_after_failure_sends_the_same_po(catalogue, acme_po):
    mailer = FakeMailer()
    mailer.fail_with = MailRejected("refused")
    _dispatch(catalogue, acme_po, mailer)
    mailer.fail_with = None
    send_purchase_order(  # "Retry": the failed send is reopened under the same key
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        acme_po.id,
        actor="staff@shop.test",
    )

    assert _dispatch(catalogue, acme_po, mailer, token="task-2") is SendOutcome.SENT

    po = _po(catalogue, acme_po)
    assert (po.status, po.revision, po.failure_reason) == (POStatus.SENT, 1, None)
    assert [e.action for e in po.events] == ["created", "sending", "send failed", "sending", "sent"]
    assert [e.message_id for e, _ in mailer.sent] == [
        f"<po-{catalogue.installation_id}-{acme_po.id}-r1@dropship.test>"
    ]


def test_without_any_mail_server_the_po_says_how_to_fix_it(catalogue, acme_po):
    result = _dispatch(
        catalogue, acme_po, FakeMailer(), defaults=MailDefaults(smtp=None, message_domain="x")
    )

    assert result is SendOutcome.FAILED
    assert _po(catalogue, acme_po).failure_reason.startswith("No mail server is set up")


def test_shop_smtp_settings_win_over_the_deployment_default(catalogue, acme_po):
    save_settings(
        catalogue.uow_factory,
        catalogue.installation_id,
        {
            "smtp_host": "mail.shop.test",
            "smtp_port": "465",
            "smtp_security": "ssl",
            "smtp_sender": "po@shop.test",
            "smtp_username": "u",
            "smtp_password": "p",
        },
    )
    mailer = FakeMailer()

    _dispatch(catalogue, acme_po, mailer)

    [(email, smtp)] = mailer.sent
    assert (smtp.host, smtp.port, smtp.security, smtp.username, smtp.password) == (
        "mail.shop.test",
        465,
        "ssl",
        "u",
        "p",
    )
    assert email.sender == "po@shop.test"


def test_broken_merchant_template_marks_send_failed_with_the_line(catalogue, acme_po):
    save_settings(
        catalogue.uow_factory,
        catalogue.installation_id,
        {"po_template_html": "<p>{{ po.number </p>"},
    )
    mailer = FakeMailer()

    result = dispatch_purchase_order(
        catalogue.uow_factory,
        purchase_order_channels(mailer, TemplateDocuments(), DEFAULTS),
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        po_id=acme_po.id,
        revision=0,
        actor="staff@shop.test",
        claim_token="t",
        final_attempt=False,
    )

    assert result is SendOutcome.FAILED and mailer.sent == []
    assert _po(catalogue, acme_po).failure_reason.startswith(
        "The PO document template has an error on line 1"
    )


def test_a_po_cancelled_before_its_send_runs_is_not_sent(catalogue, acme_po):
    cancel_purchase_order(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        acme_po.id,
        actor="m",
        reason="oops",
    )
    mailer = FakeMailer()

    with pytest.raises(NoOp, match="cancelled"):
        _dispatch(catalogue, acme_po, mailer)

    assert mailer.sent == []


class RecordingChannel:
    """A vendor channel other than email (the shape EDI, HTTP and the portal will take)."""

    via = "portal"

    def __init__(self):
        self.messages = []

    def send(self, message):
        self.messages.append(message)


def _dispatch_over(catalogue, po, channels):
    return dispatch_purchase_order(
        catalogue.uow_factory,
        channels,
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        po_id=po.id,
        revision=0,
        actor="staff@shop.test",
        claim_token="task-1",
        final_attempt=False,
    )


def test_the_vendors_registered_channel_sends_and_names_itself(catalogue, acme_po, engine):
    channel = RecordingChannel()

    outcome = _dispatch_over(catalogue, acme_po, {IntegrationKind.EMAIL: channel})

    assert outcome is SendOutcome.SENT
    [message] = channel.messages
    assert (message.po.id, message.vendor.code, message.idempotency_key) == (
        acme_po.id,
        "ACME",
        send_key(catalogue.installation_id, acme_po),
    )
    assert _po(catalogue, acme_po).sent_via == "portal"
    assert (
        pending_notes(engine, catalogue.order_id)[-1] == "PO 1042-1 sent to Acme Supply by portal."
    )


def test_a_vendor_kind_without_a_channel_is_send_failed_with_the_reason(catalogue, acme_po):
    outcome = _dispatch_over(catalogue, acme_po, {})

    assert outcome is SendOutcome.FAILED
    po = _po(catalogue, acme_po)
    assert (po.status, po.failure_reason) == (
        POStatus.SEND_FAILED,
        "POs cannot be sent to email vendors yet.",
    )

"""The requests adapter for HTTP vendors against the loopback vendor server: pinned addresses,
bounded answers, and how the channel sorts each answer."""

from __future__ import annotations

import time

import pytest

from app.adapters.http_vendor import RequestsPoster, Target, pinned_target
from app.domain.vendor_po_json import signed_headers
from app.services.channels import SendRefused
from app.services.http_channel import answer_excerpt, check_answer
from app.services.http_ports import MAX_ANSWER_BYTES, HttpAnswer, VendorRefused, VendorUnavailable
from tests.servers.http_vendor import Answer, HttpVendorServer


class PinnedToLoopback(RequestsPoster):
    """As if the vendor's name had resolved to 127.0.0.1 and passed the check."""

    def target(self, url: str) -> Target:
        return pinned_target(url, "127.0.0.1")


@pytest.fixture
def server():
    with HttpVendorServer(secret="dsk_test") as running:
        yield running


def test_a_pinned_request_goes_to_the_checked_address_with_the_real_host_name(server):
    url = f"http://orders.vendor.example:{server.port}/po?shop=1"

    answer = PinnedToLoopback().post(url, b"{}", {"X-Test": "1"}, 2)

    assert answer.status == 401  # unsigned: the vendor refuses it, but it got there
    [received] = server.received
    assert (received.path, received.headers["host"]) == (
        "/po?shop=1",
        f"orders.vendor.example:{server.port}",
    )


def test_https_to_a_pinned_address_checks_the_certificate_against_the_host_name():
    with HttpVendorServer(secret="dsk_test", tls_name="orders.vendor.test") as tls_server:
        poster = PinnedToLoopback(ca_bundle=tls_server.ca_file)
        body = b'{"version":"1"}'

        answer = poster.post(tls_server.url, body, _signed(body), 2)

        assert answer.status == 200
        assert tls_server.received[0].headers["host"] == f"orders.vendor.test:{tls_server.port}"
        other_name = tls_server.url.replace("orders.vendor.test", "other.vendor.test")
        with pytest.raises(VendorRefused, match=r"TLS certificate of other\.vendor\.test"):
            poster.post(other_name, body, _signed(body), 2)
        with pytest.raises(VendorRefused, match="could not be verified"):
            PinnedToLoopback().post(tls_server.url, body, _signed(body), 2)  # not trusted
    assert len(tls_server.received) == 1


def test_pinned_targets_keep_path_query_and_name_the_host_for_tls():
    assert pinned_target("https://api.vendor.example/po?x=1", "93.184.215.14") == Target(
        "https://93.184.215.14/po?x=1", "api.vendor.example", "api.vendor.example"
    )
    assert pinned_target("https://api.vendor.example:8443", "2606:4700::1111") == Target(
        "https://[2606:4700::1111]:8443/", "api.vendor.example:8443", "api.vendor.example"
    )


def test_a_loopback_endpoint_is_refused_unless_allowed(server):
    with pytest.raises(VendorRefused, match="private, loopback or link-local"):
        RequestsPoster().post(server.url, b"{}", {}, 2)

    assert server.received == []


def test_the_answer_is_read_up_to_its_bound(server):
    server.script(Answer(500, "e" * (MAX_ANSWER_BYTES * 4)))
    poster = RequestsPoster(private_hosts_allowed=True)

    answer = poster.post(server.url, b"{}", _signed(b"{}"), 2)

    assert (answer.status, len(answer.body)) == (500, MAX_ANSWER_BYTES)
    assert server.received[0].verified


def test_a_closed_port_is_an_outage(server):
    url = server.url
    server.stop()

    with pytest.raises(VendorUnavailable, match="cannot be reached; it will be tried again"):
        RequestsPoster(private_hosts_allowed=True).post(url, b"{}", {}, 1)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, None),
        (202, None),
        (204, None),
        (500, VendorUnavailable),
        (502, VendorUnavailable),
        (408, VendorUnavailable),
        (429, VendorUnavailable),
        (400, SendRefused),
        (401, SendRefused),
        (404, SendRefused),
        (422, SendRefused),
        (301, SendRefused),
        (101, SendRefused),
    ],
    ids=lambda value: f"{value}_case" if isinstance(value, int) else "",
)
def test_answers_are_sorted_into_sent_retry_and_failed(status, outcome):
    answer = HttpAnswer(status, b"no")
    if outcome is None:
        check_answer(answer)
        return
    with pytest.raises(outcome, match=f"HTTP {status}"):
        check_answer(answer)


def test_the_excerpt_is_one_short_printable_line_without_secrets():
    body = "line one\r\n\x1b[31mred\u202e\x00 dsk_s3cret v1=abc ".encode() + b"\xff" + b"z" * 500

    excerpt = answer_excerpt(body, ("dsk_s3cret", "v1=abc"))

    assert excerpt.startswith("line one [31mred [redacted] [redacted] \ufffdzzz")
    assert len(excerpt) == 200 and excerpt.endswith("…")
    assert answer_excerpt(b"") == ""


def _signed(body: bytes) -> dict[str, str]:
    return signed_headers("dsk_test", int(time.time()), body, "k")

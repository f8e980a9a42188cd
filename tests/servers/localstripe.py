"""localstripe (a Stripe API imitation, pip package ``localstripe``) as a real HTTP server on
loopback, for the risk review's Radar reads.

What it serves and what it does not (checked with localstripe 1.15): PaymentIntents with a
confirmed card charge, ``expand[]=latest_charge``, 401 for any key not starting ``sk_`` (so a
restricted ``rk_`` key is refused: the tests use ``sk_test_`` keys as the working key), and 404
for an unknown id. Its charges carry **no** ``outcome`` (no Radar risk level, score or rule):
the tests check that the review says so, and the reading of a real ``outcome`` is covered by
the unit tests of ``radar_reasons``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests
import stripe

from tests.servers.tcp_proxy import free_port

# localstripe saves its store to /tmp/localstripe.pickle after every POST, a file shared by
# everyone on the machine: the server runs here with that saving turned off.
_START = """
import sys
import localstripe.resources as resources
resources.Store.dump_to_disk = lambda self: None
from localstripe.server import start
sys.argv = ["localstripe", "--port", sys.argv[1], "--from-scratch"]
start()
"""
WORKING_KEY = "sk_test_dropship_radar"


class LocalStripe:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LocalStripe:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _START, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("localstripe did not start")

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def paid_payment_intent(self, amount_cents: int = 4500) -> str:
        """A PaymentIntent confirmed with a test card (its charge succeeded); returns its id."""
        session = requests.Session()
        try:
            client = stripe.StripeClient(
                WORKING_KEY,
                base_addresses={"api": self.url},
                http_client=stripe.RequestsClient(timeout=5, session=session),
                max_network_retries=0,
            )
            card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
            method = client.v1.payment_methods.create(params={"type": "card", "card": card})
            intent = client.v1.payment_intents.create(
                params={
                    "amount": amount_cents,
                    "currency": "usd",
                    "payment_method": method.id,
                    "confirm": True,
                }
            )
        finally:
            session.close()
        return str(intent.id)

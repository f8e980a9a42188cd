"""The soak's load and faults: Saleor sending orders (with duplicates and reorders), the merchant
clicking "Create PO(s) & Send" and entering tracking numbers in the order widget, and a chaos
thread breaking one thing at a time."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import Engine, func, select, text

from app.adapters.db import tables
from bench.soak_stack import OUTBOUND_TIMEOUT_SECONDS, Stack
from tests.builders import global_id, make_line, make_order
from tests.gate import GO_AHEAD
from tests.servers.fake_saleor.models import WebhookDelivery
from tests.servers.fake_saleor.webhooks import deliver

PRODUCTS = [(f"SOAK-{n}", global_id("Product", f"soak-{n}")) for n in range(4)]
SESSION_SECONDS = 300  # a fresh dashboard session well inside DASHBOARD_CONTEXT_TTL_SECONDS
RETRY_ACTION_AFTER = 20.0  # the merchant clicks again when nothing happened for this long


def soak_order(number: int, rng: random.Random) -> dict[str, Any]:
    """A paid order of 1-3 lines over the catalogue's products (so 1 or 2 vendors)."""
    chosen = rng.sample(PRODUCTS, rng.randint(1, 3))
    lines = []
    for sku, product_id in chosen:
        line = make_line(sku=sku, quantity=rng.randint(1, 3), allocations=[])
        line["variant"]["product"]["id"] = product_id
        lines.append(line)
    return make_order(number=str(number), lines=lines, isPaid=True, chargeStatus="FULL")


@dataclass
class Figures:
    faults: Counter[str] = field(default_factory=Counter)
    deliveries: Counter[str] = field(default_factory=Counter)
    merchant: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, counter: str, kind: str, n: int = 1) -> None:
        with self.lock:
            getattr(self, counter)[kind] += n


class Saleor:
    """Sends each order's events as Saleor would, plus duplicates and reorders."""

    def __init__(self, stack: Stack, figures: Figures, rng: random.Random) -> None:
        assert stack.fake is not None
        self.fake, self.figures, self.rng = stack.fake, figures, rng
        self.app = self.fake.install_app(f"{stack.app_url}/api/manifest")

    def send_order(self, order: dict[str, Any], roll: float, second: float) -> None:
        self.fake.add_order(order)
        if roll < 0.15:  # reordered: a refresh event overtakes the creation
            self._send("ORDER_CONFIRMED", order, "reordered")
        created = self._send("ORDER_CREATED", order, "sent")
        if 0.15 <= roll < 0.35:  # Saleor's retry of a delivery that did arrive: same bytes
            again = WebhookDelivery(
                created.event, created.target_url, created.body, created.headers
            )
            deliver(again, retry_delays=self.fake.retry_delays, timeout=self.fake.timeout)
            self.figures.count("deliveries", "duplicate (same body)")
            self._check(again)
        if second < 0.2:  # the same event again, a new delivery (new issuedAt)
            self._send("ORDER_CREATED", order, "duplicate (new delivery)")
        if 0.2 <= second < 0.3:
            self._send("ORDER_FULLY_PAID", order, "ORDER_FULLY_PAID")

    def _send(self, event: str, order: dict[str, Any], kind: str) -> WebhookDelivery:
        delivery = self.fake.send_event(self.app, event, order_id=order["id"])
        self.figures.count("deliveries", kind)
        self._check(delivery)
        return delivery

    def _check(self, delivery: WebhookDelivery) -> None:
        retried = len(delivery.attempts) - 1
        if retried:
            self.figures.count("deliveries", "retried by Saleor", retried)
        if not delivery.delivered:
            self.figures.count("deliveries", "given up by Saleor")


class Merchant:
    """The widget's HTTP endpoints with a signed dashboard context, as the dashboard posts them."""

    def __init__(self, stack: Stack, saleor: Saleor, figures: Figures) -> None:
        self.url, self.saleor, self.figures = stack.app_url, saleor, figures
        self._context, self._opened = "", float("-inf")  # monotonic time may start near 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def _headers(self) -> dict[str, str]:
        with self._lock:
            if time.monotonic() - self._opened > SESSION_SECONDS:
                fake = self.saleor.fake
                token = fake.issue_dashboard_token(self.saleor.app, email="merchant@shop.example")
                answer = self._session().post(
                    f"{self.url}/app/session",
                    json={"token": token, "saleorApiUrl": fake.api_url},
                    timeout=30,
                )
                answer.raise_for_status()
                self._context, self._opened = answer.json()["context"], time.monotonic()
            return {"X-Dashboard-Context": self._context}

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session  # type: ignore[no-any-return]

    def _post(self, path: str, data: dict[str, str], kind: str) -> None:
        try:
            answer = self._session().post(
                f"{self.url}{path}", data=data, headers=self._headers(), timeout=60
            )
        except requests.RequestException:
            self.figures.count("merchant", f"{kind}: no answer")
            return
        self.figures.count("merchant", f"{kind}: {answer.status_code}")

    def create_and_send(self, order_id: str) -> None:
        """The soak's orders are paid but nobody approves their risk review: the merchant
        confirms the gate to vendors with a reason (kept in each PO's history)."""
        data = {"orderId": order_id, "send": "1", **GO_AHEAD}
        self._post("/widgets/order/purchase-orders", data, "create")

    def ship(self, order_id: str, po_id: int, lines: list[tuple[str, int]], number: str) -> None:
        data = {"orderId": order_id, "po_id": str(po_id), "tracking": number, "carrier": ""}
        body = [("line_id", line_id) for line_id, _ in lines]
        body += [("quantity", str(quantity)) for _, quantity in lines]
        self._post_multi("/widgets/order/shipments", data, body, "ship")

    def _post_multi(
        self, path: str, data: dict[str, str], pairs: list[tuple[str, str]], kind: str
    ) -> None:
        try:
            answer = self._session().post(
                f"{self.url}{path}",
                data=[*data.items(), *pairs],
                headers=self._headers(),
                timeout=60,
            )
        except requests.RequestException:
            self.figures.count("merchant", f"{kind}: no answer")
            return
        self.figures.count("merchant", f"{kind}: {answer.status_code}")


def tracking_number(po_id: int) -> str:
    return f"SOAK{po_id:010d}"


class MerchantLoop:
    """Every half second: create and send the POs of planned orders, ship sent POs."""

    def __init__(self, engine: Engine, merchant: Merchant, pool: ThreadPoolExecutor) -> None:
        self.engine, self.merchant, self.pool = engine, merchant, pool
        self._asked: dict[tuple[str, Any], float] = {}

    def _due(self, key: tuple[str, Any]) -> bool:
        last = self._asked.get(key)
        if last is not None and time.monotonic() - last < RETRY_ACTION_AFTER:
            return False
        self._asked[key] = time.monotonic()
        return True

    def step(self) -> None:
        with self.engine.connect() as connection:
            planned = connection.execute(_PLANNED_WITHOUT_POS).scalars().all()
            sent = connection.execute(_SENT_WITHOUT_SHIPMENT).all()
        for order_id in planned:
            if self._due(("create", order_id)):
                self.pool.submit(self.merchant.create_and_send, order_id)
        for po_id, order_id in sent:
            if self._due(("ship", po_id)):
                self.pool.submit(self._ship, po_id, order_id)

    def _ship(self, po_id: int, order_id: str) -> None:
        with self.engine.connect() as connection:
            lines = connection.execute(
                select(tables.po_lines.c.order_line_id, tables.po_lines.c.quantity).where(
                    tables.po_lines.c.purchase_order_id == po_id
                )
            ).all()
        pairs = [(str(line_id), int(quantity)) for line_id, quantity in lines]
        self.merchant.ship(order_id, po_id, pairs, tracking_number(po_id))


_PO = tables.purchase_orders
_PLANNED_WITHOUT_POS = (
    select(tables.plan_lines.c.saleor_order_id)
    .where(
        ~select(_PO.c.id)
        .where(_PO.c.saleor_order_id == tables.plan_lines.c.saleor_order_id)
        .exists()
    )
    .distinct()
)
_SENT_WITHOUT_SHIPMENT = select(_PO.c.id, _PO.c.saleor_order_id).where(
    _PO.c.status == "sent",
    ~select(tables.shipments.c.id).where(tables.shipments.c.purchase_order_id == _PO.c.id).exists(),
)


def completed_orders(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(tables.orders.c.dropship_state == "complete")
        return int(connection.execute(query).scalar_one())


class Chaos:
    """One fault at a time, every ``interval`` seconds on average, each counted by kind."""

    KINDS = (
        "Saleor 500",
        "Saleor timeout before applying",
        "Saleor timeout after applying",
        "SMTP refusal (451)",
        "SMTP dropped mid-DATA",
        "SMTP dropped after accepting",
        "worker SIGKILL",
        "broker restart",
        "database connections cut (proxy)",
        "database backends terminated",
    )

    def __init__(self, stack: Stack, figures: Figures, rng: random.Random, interval: float) -> None:
        self.stack, self.figures, self.rng, self.interval = stack, figures, rng, interval
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        assert stack.fake and stack.smtp
        fake, smtp = stack.fake, stack.smtp
        late = OUTBOUND_TIMEOUT_SECONDS + 1.0
        self.faults: dict[str, Callable[[], None]] = {
            "Saleor 500": lambda: fake.fail_next_graphql(500),
            "Saleor timeout before applying": lambda: fake.stall_next_graphql(late),
            "Saleor timeout after applying": lambda: fake.delay_next_mutation(late),
            "SMTP refusal (451)": lambda: smtp.refuse_next(),
            "SMTP dropped mid-DATA": lambda: smtp.drop_next(),
            "SMTP dropped after accepting": lambda: smtp.drop_next(accepted=True),
            "worker SIGKILL": self._kill_worker,
            "broker restart": self._restart_broker,
            "database connections cut (proxy)": self._cut_database,
            "database backends terminated": self._terminate_backends,
        }
        assert tuple(self.faults) == self.KINDS

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join()

    def _run(self) -> None:
        kinds: list[str] = []
        while not self.stopping.wait(self.rng.uniform(0.5, 1.5) * self.interval):
            if not kinds:  # every kind once per round, in a random order
                kinds = self.rng.sample(list(self.faults), len(self.faults))
            kind = kinds.pop()
            try:
                self.faults[kind]()
            except Exception as error:  # a fault that could not be injected is reported
                self.figures.count("faults", f"{kind} not injected ({type(error).__name__})")
            else:
                self.figures.count("faults", kind)

    def _kill_worker(self) -> None:
        self.stack.kill_random_worker(self.rng, self.rng.uniform(0.5, 3.0))

    def _restart_broker(self) -> None:
        assert self.stack.redis_proxy is not None
        self.stack.redis_proxy.stop()
        time.sleep(self.rng.uniform(1.0, 4.0))
        self.stack.redis_proxy.start()

    def _cut_database(self) -> None:
        assert self.stack.postgres_proxy is not None
        self.stack.postgres_proxy.stop()
        time.sleep(self.rng.uniform(0.5, 2.0))
        self.stack.postgres_proxy.start()

    def _terminate_backends(self) -> None:
        from app.adapters.db.engine import build_engine

        engine = build_engine(self.stack.database_url)
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.stack.database_name},
            )
            connection.commit()
        engine.dispose()

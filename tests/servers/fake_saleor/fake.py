"""FakeSaleor: the public facade tying the server, data, keys, installer and webhooks together."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import GraphQLSchema

from . import installer, webhooks
from .data import DataStore
from .events import EmittedEvent, EventBus, EventControls
from .graphql_endpoint import GraphQLEndpoint
from .keys import SigningKey, jwks_document, process_key
from .models import ADMIN_USER, GraphQLCall, InstalledApp, WebhookDelivery
from .schema import load_schema, permission_codes
from .server import BackgroundServer, Router, json_response
from .state import StateAccess
from .tokens import dashboard_claims, sign_dashboard_token
from .transactions import PaymentApps, TransactionControls

CONNECT_TIMEOUT = 2.0


class FakeSaleor(StateAccess, EventControls, TransactionControls):
    """A Saleor 3.23 stand-in: GraphQL API, JWKS, app installation, signed webhooks."""

    def __init__(
        self,
        schema_path: Path | None = None,
        retry_delays: Sequence[float] = (0.05, 0.1, 0.2, 0.4, 0.8),
        webhook_timeout: float = 18.0,
        schema: GraphQLSchema | None = None,
    ) -> None:
        self.schema = schema or load_schema(schema_path)
        self.store = DataStore()
        self.retry_delays = tuple(retry_delays)
        self.timeout = (CONNECT_TIMEOUT, webhook_timeout)
        self.requests: list[GraphQLCall] = []
        self.deliveries: list[WebhookDelivery] = []
        self.jwks_requests = 0  # GETs of /.well-known/jwks.json
        self._jwks_lock = threading.Lock()
        self._key = process_key()
        self._events = EventBus(lambda: list(self.store.apps), self._deliver_emitted)
        self._endpoint = GraphQLEndpoint(
            self.schema,
            self.store,
            lambda: self._key,
            lambda: self.api_url,
            self.requests,
            on_started=self._events.request_started,
            on_answered=self._events.request_answered,
        )
        self.payments = self.store.payments = PaymentApps(self.store, self._events.publish)
        router = Router()
        router.add("POST", "/graphql/", self._endpoint)
        router.add("GET", "/.well-known/jwks.json", self._serve_jwks)
        self._server = BackgroundServer(router)
        self._port: int | None = None

    def use_schema(self, schema: GraphQLSchema, saleor_version: str) -> None:
        """From now on answer (and introspect) as a Saleor with this schema and version."""
        self.schema = self._endpoint.schema = schema
        self.store.saleor_version = saleor_version

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeSaleor:
        """Start the HTTP server on 127.0.0.1 (ephemeral port)."""
        self._server.start()
        self._port = self._server.port
        return self

    def stop(self) -> None:
        """Stop the server and the webhook worker."""
        self._server.stop()
        self.payments.stop()
        self._events.stop()

    def __enter__(self) -> FakeSaleor:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def domain(self) -> str:
        """ "127.0.0.1:<port>" (the Saleor-Domain header value)."""
        if self._port is None:
            raise RuntimeError("FakeSaleor is not started")
        return f"127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """ "http://127.0.0.1:<port>/graphql/"."""
        return f"http://{self.domain}/graphql/"

    # keys ----------------------------------------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        """The document served at /.well-known/jwks.json (current key only)."""
        return jwks_document([self._key])

    def _serve_jwks(self, _request: Any) -> Any:
        with self._jwks_lock:
            self.jwks_requests += 1
        return json_response(self.jwks())

    def rotate_key(self) -> None:
        """Switch to a new RSA key; JWKS, signatures and token checks use only the new one."""
        self._key = SigningKey.generate()

    def sign(self, body: bytes) -> str:
        """Saleor-Signature for `body` with the current key."""
        return self._key.sign_detached(body)

    # test data and GraphQL -----------------------------------------------------------------
    def add_order(self, order: dict[str, Any]) -> None:
        """Serve `order` (Saleor field names, global `id`) from `order(id:)` and webhooks."""
        self.store.add_order(order)

    def fail_next_graphql(self, status: int = 502, count: int = 1) -> None:
        """The next `count` GraphQL requests answer `status` with an HTML page."""
        self._endpoint.fail_next(status, count)

    def stall_next_graphql(self, seconds: float, count: int = 1) -> None:
        """The next `count` GraphQL requests answer 504 after `seconds`, unexecuted."""
        self._endpoint.stall_next(seconds, count)

    def stall_next_operation(self, operation_name: str, seconds: float = 0.0) -> None:
        """The next request of this operation answers 504 after `seconds`, unexecuted."""
        self._endpoint.stall_next_operation(operation_name, seconds)

    def delay_next_mutation(self, seconds: float, count: int = 1) -> None:
        """Apply the next `count` mutations, then answer each `seconds` late (unknown outcome)."""
        self._endpoint.delay_next_mutation(seconds, count)

    # installation --------------------------------------------------------------------------
    def install_app(
        self, manifest_url: str, permissions: list[str] | None = None, app_name: str = "Drop-ship"
    ) -> InstalledApp:
        """Install like Saleor's install job; raises InstallFailed."""
        env = installer.InstallEnv(self.schema, self.store, self.domain, self.api_url, self.timeout)
        return installer.install(env, manifest_url, permissions, app_name)

    def delete_app(self, app: InstalledApp) -> WebhookDelivery | None:
        """Soft-delete (token becomes anonymous), then send APP_DELETED if subscribed."""
        app.is_active, app.removed = False, True
        if webhooks.find_webhook(app, "APP_DELETED") is None:
            return None
        return self.send_event(app, "APP_DELETED")

    def deactivate_app(self, app: InstalledApp) -> None:
        """appDeactivate: the token stops working, the identifier stays taken."""
        app.is_active = False

    def activate_app(self, app: InstalledApp) -> None:
        """appActivate."""
        app.is_active = True

    # webhooks ------------------------------------------------------------------------------
    def _deliver_emitted(
        self, app: InstalledApp, hook: dict[str, Any], emitted: EmittedEvent
    ) -> WebhookDelivery:
        extra = {"issuedAt": emitted.issued_at, **emitted.extra}
        return self._send(app, hook, emitted.event, emitted.order, emitted.issuing_principal, extra)

    def _send(
        self,
        app: InstalledApp,
        hook: dict[str, Any],
        event: str,
        order: dict[str, Any] | None,
        principal: dict[str, Any] | None,
        extra: dict[str, Any] | None,
        post: bool = True,
    ) -> WebhookDelivery:
        data = webhooks.build_event_data(self.schema, app, event, order, principal, extra)
        body = webhooks.render_payload(self.schema, self.store, app, hook["query"], data, event)
        delivery = webhooks.signed_delivery(
            event, hook["targetUrl"], body, self._key, self.domain, self.api_url
        )
        self.deliveries.append(delivery)
        if not post:
            return delivery
        return webhooks.deliver(delivery, retry_delays=self.retry_delays, timeout=self.timeout)

    def send_event(
        self,
        app: InstalledApp,
        event: str,
        *,
        order_id: str | None = None,
        issuing_principal: dict[str, Any] | Literal["user"] | None = "user",
        extra: dict[str, Any] | None = None,
        post: bool = True,
    ) -> WebhookDelivery:
        """Render the app's subscription for `event`, sign it and POST it (with retries).

        `extra` overrides/extends the event root value (e.g. `fulfillment`, `issuedAt`).
        An inactive app gets nothing (no attempts), except APP_DELETED after delete_app.
        `post=False` only renders and signs (a genuine body a test can replay elsewhere).
        """
        hook = webhooks.find_webhook(app, event)
        if hook is None:
            raise LookupError(f"{app.name} has no active webhook for {event}")
        order = None
        if order_id is not None:
            order = self.store.get_order(order_id)
            if order is None:
                raise KeyError(f"no order {order_id!r}; add it with add_order()")
        principal = dict(ADMIN_USER) if issuing_principal == "user" else issuing_principal
        # Saleor marks deliveries of inactive apps FAILED without sending (APP_DELETED aside)
        post = post and (app.is_active or event == "APP_DELETED")
        return self._send(app, hook, event, order, principal, extra, post=post)

    # dashboard tokens ----------------------------------------------------------------------
    def issue_dashboard_token(
        self,
        app: InstalledApp,
        *,
        email: str = "admin@example.com",
        user_permissions: list[str] | None = None,
        expires_in: int = 300,
        app_extension: str | None = None,
        key_override: rsa.RSAPrivateKey | SigningKey | None = None,
        user_id: str = ADMIN_USER["id"],
        now: int | None = None,
    ) -> str:
        """A dashboard/AppBridge JWT; `key_override` forges it with another key (same kid)."""
        claims = dashboard_claims(
            api_url=self.api_url,
            app_id=app.app_id,
            app_permissions=app.permissions,
            email=email,
            user_id=user_id,
            user_permissions=permission_codes(self.schema)
            if user_permissions is None
            else user_permissions,
            expires_in=expires_in,
            app_extension=app_extension,
            audience=app.audience,
            now=now,
        )
        signer = key_override
        if isinstance(signer, rsa.RSAPrivateKey):
            signer = SigningKey.from_private_key(signer)
        return sign_dashboard_token(claims, self._key, signer)

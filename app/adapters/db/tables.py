"""Table definitions. Every tenant table carries ``installation_id``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

installations = Table(
    "installations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("saleor_api_url", String(500), nullable=False, unique=True),
    Column("app_id", String(200), nullable=False),
    Column("token_encrypted", Text, nullable=False),
    Column("jwks", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("installed_at", DateTime(timezone=True), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=True),
    # When the JWKS was last fetched for an unknown key id: forged requests cannot make the app
    # hammer the merchant's Saleor (one fetch per installation per JWKS_REFETCH_INTERVAL_SECONDS).
    Column("jwks_fetched_at", DateTime(timezone=True), nullable=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("event", String(64), nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("queued_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("installation_id", "event", "body_sha256", name="uq_webhook_deliveries_body"),
    Index(
        "ix_webhook_deliveries_waiting",
        "id",
        sqlite_where=text("status = 'received'"),
        postgresql_where=text("status = 'received'"),
    ),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("saleor_order_id", String(200), nullable=False),
    Column("number", String(40), nullable=False),
    Column("status", String(40), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
    Column("dropship_state", String(20), nullable=False, server_default="new"),
    Column("state_note", Text, nullable=True),
    UniqueConstraint("installation_id", "saleor_order_id", name="uq_orders_saleor_order"),
)


def _tenant_fk() -> Column[int]:
    return Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        nullable=False,
    )


installation_settings = Table(
    "installation_settings",
    metadata,
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("values", JSON, nullable=False),
    Column("smtp_password_encrypted", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

vendors = Table(
    "vendors",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("name", String(120), nullable=False),
    Column("code", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("integration", String(20), nullable=False),
    Column("emails_to", JSON, nullable=False),
    Column("emails_cc", JSON, nullable=False),
    Column("file_format", String(10), nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("po_notes", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    # Documents and shipping (issue 14): what goes with each PO and how it ships.
    Column("documents", String(20), nullable=False, server_default="po"),
    Column("show_prices", Boolean, nullable=False, server_default=text("true")),
    Column("file_name_pattern", String(60), nullable=False, server_default=""),
    Column("service_map", JSON, nullable=False, server_default="[]"),
    Column("carrier_accounts_encrypted", Text, nullable=True),
    # HTTP vendors (issue 15): the endpoint POs are posted to and the secret they are signed with.
    Column("http_url", String(500), nullable=False, server_default=""),
    Column("http_timeout_seconds", Integer, nullable=False, server_default="10"),
    Column("http_secret_encrypted", Text, nullable=True),
    UniqueConstraint("installation_id", "code", name="uq_vendors_code"),
)

# The shop's logo for packing slips (checked PNG or JPEG, app/domain/logos.py).
shop_logos = Table(
    "shop_logos",
    metadata,
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("content_type", String(20), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

product_vendors = Table(
    "product_vendors",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("vendor_id", Integer, ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", String(200), nullable=False),
    # "" for every variant of the product: NULLs would not collide in the unique constraint.
    Column("variant_id", String(200), nullable=False),
    Column("vendor_sku", String(64), nullable=False),
    Column("unit_cost", Numeric(14, 4), nullable=False),
    Column("cost_currency", String(3), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("min_quantity", Integer, nullable=False),
    Column("is_default", Boolean, nullable=False),
    UniqueConstraint(
        "installation_id", "product_id", "variant_id", "vendor_id", name="uq_product_vendors_entry"
    ),
    Index(
        "uq_product_vendors_one_default",
        "installation_id",
        "product_id",
        unique=True,
        sqlite_where=text("is_default"),
        postgresql_where=text("is_default"),
    ),
)

plan_lines = Table(
    "plan_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("saleor_order_id", String(200), nullable=False),
    Column("order_line_id", String(200), nullable=False),
    Column("vendor_id", Integer, ForeignKey("vendors.id", ondelete="SET NULL"), nullable=True),
    Column("chosen_by", String(20), nullable=False),
    UniqueConstraint("installation_id", "order_line_id", name="uq_plan_lines_line"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("saleor_order_id", String(200), nullable=False),
    Column("order_number", String(40), nullable=False),
    Column("vendor_id", Integer, ForeignKey("vendors.id"), nullable=False),
    Column("vendor_name", String(120), nullable=False),
    Column("number", String(60), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("ship_to", JSON, nullable=False),
    Column("customer_email", String(254), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("sent_via", String(20), nullable=True),
    Column("failure_reason", Text, nullable=True),
    Column("revision", Integer, nullable=False),
    # Shipping instructions (issue 14): the customer's service, the ship-by date, and the
    # vendor's shipping charge for margins.
    Column("requested_service", String(200), nullable=False, server_default=""),
    Column("ship_by", Date, nullable=True),
    Column("shipping_cost", Numeric(12, 2), nullable=True),
    # The vendor's promise: the first send + its lead time (None: no promise, never late).
    Column("due_at", DateTime(timezone=True), nullable=True),
    # The order changed after the PO was sent (ADR 21): the difference not applied yet (the
    # "changed since sent" flag), the change applied last and the revision that carries it.
    Column("changes", JSON(none_as_null=True), nullable=True),
    Column("amendment", JSON(none_as_null=True), nullable=True),
    Column("amended_revision", Integer, nullable=True),
    # The Reports tab's figures of the PO, kept by the repositories as its lines, history and
    # shipments are written (0020): its lines, their cost, what the customer paid for them (in
    # the PO's currency) and whether every line had that price, its first acknowledgement and
    # "shipped" entry, its first shipment not cancelled and its lines shipped short. A year of
    # reports reads one table.
    Column("line_count", Integer, nullable=True),
    Column("cost_total", Numeric(16, 4), nullable=True),
    Column("revenue_total", Numeric(16, 4), nullable=True),
    Column("all_priced", Boolean, nullable=True),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("shipped_at", DateTime(timezone=True), nullable=True),
    Column("first_shipment_at", DateTime(timezone=True), nullable=True),
    Column("short_lines", Integer, nullable=True),  # lines shipped in part (not none, not all)
    UniqueConstraint("installation_id", "number", name="uq_purchase_orders_number"),
    # The PO list: newest first, keyset-paged on (created_at, id); late POs by due date.
    Index("ix_purchase_orders_listing", "installation_id", "created_at", "id"),
    Index("ix_purchase_orders_status_listing", "installation_id", "status", "created_at", "id"),
    Index("ix_purchase_orders_due", "installation_id", "due_at"),
    Index("ix_purchase_orders_sent", "installation_id", "sent_at"),  # the reports' range
    Index("ix_purchase_orders_order_number", "installation_id", "order_number"),
    Index("ix_purchase_orders_vendor_listing", "installation_id", "vendor_name", "id"),
    UniqueConstraint(
        "installation_id", "saleor_order_id", "sequence", name="uq_purchase_orders_sequence"
    ),
    # One open PO per vendor per order: double clicks and concurrent requests cannot add one.
    Index(
        "uq_purchase_orders_open_vendor",
        "installation_id",
        "saleor_order_id",
        "vendor_id",
        unique=True,
        sqlite_where=text("status != 'cancelled'"),
        postgresql_where=text("status != 'cancelled'"),
    ),
)

po_lines = Table(
    "po_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column(
        "purchase_order_id",
        Integer,
        ForeignKey("purchase_orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("order_line_id", String(200), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("vendor_sku", String(64), nullable=False),
    Column("product_name", String(250), nullable=False),
    Column("variant_name", String(250), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_cost", Numeric(14, 4), nullable=False),
    # The customer's price of one, in the order's currency (margins); None before 0014.
    Column("unit_price", Numeric(14, 4), nullable=True),
    Column("price_currency", String(3), nullable=True),
    Column("is_open", Boolean, nullable=False),
    Index("ix_po_lines_sku", "installation_id", "sku"),
    Index("ix_po_lines_vendor_sku", "installation_id", "vendor_sku"),
    # A line is on at most one open PO.
    Index(
        "uq_po_lines_open_line",
        "installation_id",
        "order_line_id",
        unique=True,
        sqlite_where=text("is_open"),
        postgresql_where=text("is_open"),
    ),
)

# The vendor's latest answer per PO line (vendor portal, vendor API): issue 15.
po_line_answers = Table(
    "po_line_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column(
        "purchase_order_id",
        Integer,
        ForeignKey("purchase_orders.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("order_line_id", String(200), nullable=False),
    Column("answer", String(20), nullable=False),
    Column("expected_date", Date, nullable=True),
    Column("reason", String(500), nullable=False, server_default=""),
    UniqueConstraint("purchase_order_id", "order_line_id", name="uq_po_line_answers_line"),
)

# Fixed-window request counters of the public surfaces (vendor portal, vendor API), shared by
# every web process: key (what is limited, e.g. "portal-token:<hash>"), window start, hits.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", Integer, primary_key=True),
    Column("hits", Integer, nullable=False),
)

# Vendor portal links (issue 15): the SHA-256 of each link's secret token (looked up), the token
# itself encrypted (the widget shows the link to copy; a resend carries the same link).
portal_links = Table(
    "portal_links",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("kind", String(10), nullable=False),
    Column(
        "purchase_order_id",
        Integer,
        ForeignKey("purchase_orders.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("vendor_id", Integer, ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("token_encrypted", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_portal_links_po", "installation_id", "purchase_order_id"),
    Index("ix_portal_links_vendor", "installation_id", "vendor_id", "kind"),
)

po_events = Table(
    "po_events",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column(
        "purchase_order_id",
        Integer,
        ForeignKey("purchase_orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(254), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column(
        "purchase_order_id",
        Integer,
        ForeignKey("purchase_orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("saleor_order_id", String(200), nullable=False, index=True),
    Column("carrier_code", String(40), nullable=True),
    Column("carrier_name", String(80), nullable=True),
    Column("tracking_url", String(500), nullable=True),
    Column("tracking_numbers", JSON, nullable=False),
    Column("split_by_package", Boolean, nullable=False),
    Column("source", String(20), nullable=False),
    Column("created_by", String(254), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("write_attempts", Integer, nullable=False),
    Column("fulfillment_ids", JSON, nullable=False),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column(
        "shipment_id",
        Integer,
        ForeignKey("shipments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("order_line_id", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("package", Integer, nullable=False),
)


# Every write the app sends out (PO email, Saleor write-back, fulfilment, tracking, cancel): one
# row recorded before the first try, retried under the same idempotency key (ADR 6).
outbound_attempts = Table(
    "outbound_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("subject_kind", String(30), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("next_try_at", DateTime(timezone=True), nullable=True),
    # who holds the write now (a task id), and since when: a stale claim is a crashed worker
    Column("claim_token", String(64), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("installation_id", "idempotency_key", name="uq_outbound_attempts_key"),
    Index("ix_outbound_attempts_subject", "installation_id", "subject_kind", "subject_id"),
)

# Notes for the Saleor order: insert-only; ``outbound_id`` is the write-back carrying them and
# ``sent_at`` is set when Saleor accepted it.
order_notes = Table(
    "order_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("saleor_order_id", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column(
        "outbound_id",
        Integer,
        ForeignKey("outbound_attempts.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_order_notes_order", "installation_id", "saleor_order_id"),
)

# A Saleor schema read by introspection, stored once per distinct content (zlib-compressed JSON).
saleor_schemas = Table(
    "saleor_schemas",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("introspection", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The schema each installation's Saleor answered with, its version and the documents it lacks.
installation_schemas = Table(
    "installation_schemas",
    metadata,
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("saleor_version", String(40), nullable=False),
    Column("schema_sha256", String(64), ForeignKey("saleor_schemas.sha256"), nullable=False),
    Column("problems", JSON, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
)


# Risk review (issue 11): one row per order, recomputed when the order arrives or changes; the
# merchant's decision columns are never touched by a recomputation. The email, address, card,
# IP, total and creation time are the shop's own order history the next reviews compare with.
risk_reviews = Table(
    "risk_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("saleor_order_id", String(200), nullable=False),
    Column("order_number", String(40), nullable=False),
    Column("score", Integer, nullable=False),
    Column("verdict", String(10), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    Column("email", String(320), nullable=False, server_default=""),
    Column("address_key", String(600), nullable=False, server_default=""),
    Column("card_key", String(100), nullable=False, server_default=""),
    Column("ip_addresses", JSON, nullable=False),
    Column("total", Numeric(14, 4), nullable=True),
    Column("currency", String(3), nullable=False, server_default=""),
    Column("order_created_at", DateTime(timezone=True), nullable=True),
    Column("decision", String(10), nullable=True),
    Column("decided_by", String(320), nullable=False, server_default=""),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decision_note", Text, nullable=False, server_default=""),
    # What the review judged (app/domain/risk/facts.py inputs_digest), and when the order
    # changed after a person decided (the decision stays; the gate to vendors asks again).
    Column("inputs_digest", String(64), nullable=False, server_default=""),
    Column("changed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("installation_id", "saleor_order_id", name="uq_risk_reviews_order"),
    Index("ix_risk_reviews_history", "installation_id", "order_created_at"),
)

# A shop's risk weights and thresholds, and its restricted Stripe key (encrypted, write-only).
risk_settings = Table(
    "risk_settings",
    metadata,
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("values", JSON, nullable=False),
    Column("stripe_key_encrypted", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# One row per charge or void the app asked Saleor for (docs/adr/0013-charges.md). At most one
# attempt per order and action is "in flight": the partial unique index is the guard against
# charging twice, across web processes and workers.
IN_FLIGHT_ATTEMPT = "status IN ('requesting', 'unknown', 'pending')"
payment_attempts = Table(
    "payment_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("saleor_order_id", String(200), nullable=False),
    Column("action", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("requested_by", String(320), nullable=False),
    Column("transaction_id", String(200), nullable=True),
    Column("amount", Numeric(14, 4), nullable=True),
    Column("currency", String(3), nullable=False, server_default=""),
    Column("message", Text, nullable=False, server_default=""),
    Column("psp_reference", String(500), nullable=False, server_default=""),
    Column("known_event_ids", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("checked_at", DateTime(timezone=True), nullable=True),
    Column("email_sent_at", DateTime(timezone=True), nullable=True),
    Column("email_sent_to", String(320), nullable=False, server_default=""),
    Index("ix_payment_attempts_order", "installation_id", "saleor_order_id"),
    Index(
        "uq_payment_attempts_in_flight",
        "installation_id",
        "saleor_order_id",
        "action",
        unique=True,
        sqlite_where=text(IN_FLIGHT_ATTEMPT),
        postgresql_where=text(IN_FLIGHT_ATTEMPT),
    ),
)


# EDI trading partners: one row per EDI vendor; secrets encrypted; the control number counter
# is bumped by one atomic UPDATE, so a number is never handed out twice (issue 12).
edi_partners = Table(
    "edi_partners",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("vendor_id", Integer, ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("sftp_password_encrypted", Text, nullable=True),
    Column("sftp_private_key_encrypted", Text, nullable=True),
    Column("host_key_fingerprint", String(80), nullable=True),
    Column("last_control_number", Integer, nullable=False, server_default="0"),
    Column("last_poll_at", DateTime(timezone=True), nullable=True),
    Column("last_poll_error", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("installation_id", "vendor_id", name="uq_edi_partners_vendor"),
)

# Every EDI document exchanged, both directions. An inbound file is taken once: its name and
# content hash are unique per vendor. An 850 is stored under its send's idempotency key before
# the upload, so a retry uploads the same interchange.
edi_documents = Table(
    "edi_documents",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("vendor_id", Integer, ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("kind", String(3), nullable=False),
    Column("control_number", Integer, nullable=True),
    Column(
        "purchase_order_id",
        Integer,
        ForeignKey("purchase_orders.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("po_number", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Column("send_key", String(200), nullable=True),
    Column("filename", String(255), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("raw", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("installation_id", "send_key", name="uq_edi_documents_send_key"),
    UniqueConstraint(
        "installation_id",
        "vendor_id",
        "direction",
        "filename",
        "content_sha256",
        name="uq_edi_documents_file",
    ),
    Index("ix_edi_documents_vendor", "installation_id", "vendor_id", "id"),
)


# What each shop pays for (issue 13, app/domain/billing.py): the operator's tier and modules,
# and the Stripe subscriptions as their webhooks last described them (JSON, one per id).
billing_accounts = Table(
    "billing_accounts",
    metadata,
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tier", Integer, nullable=False, server_default="1"),
    Column("enabled_modules", JSON, nullable=False),
    Column("stripe_customer_id", String(255), nullable=False, server_default="", index=True),
    Column("subscriptions", JSON, nullable=False),
    Column("lapse_notified_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Stripe events processed, by Stripe's event id: a replayed or retried event is applied once.
stripe_events = Table(
    "stripe_events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("installation_id", Integer, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


# Automatic order processing (issue 13): each shop's rules, and per order what automation last
# decided (its step, the reasons it is held), the merchant's "Hold", when to look again, and a
# short lease so two workers do not advance the same order at once.
automation_settings = Table(
    "automation_settings",
    metadata,
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("values", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

automation_orders = Table(
    "automation_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("saleor_order_id", String(200), nullable=False),
    Column("step", String(20), nullable=False, server_default="new"),
    Column("reasons", JSON, nullable=False),
    Column("held_by_merchant", Boolean, nullable=False, server_default=false()),
    Column("next_check_at", DateTime(timezone=True), nullable=True),
    Column("leased_until", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("installation_id", "saleor_order_id", name="uq_automation_orders_order"),
    Index("ix_automation_orders_next_check_at", "next_check_at"),
)

# Vendor API keys (issue 15): the secret's SHA-256 only; key_id is the public part of the key.
vendor_api_keys = Table(
    "vendor_api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("vendor_id", Integer, ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False),
    Column("key_id", String(12), nullable=False, unique=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(254), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_vendor_api_keys_vendor", "installation_id", "vendor_id"),
)

# The vendor API's answers by the vendor's own request id: a replay gets the first answer.
vendor_api_requests = Table(
    "vendor_api_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    _tenant_fk(),
    Column("vendor_id", Integer, ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    UniqueConstraint("vendor_id", "idempotency_key", name="uq_vendor_api_requests_key"),
)

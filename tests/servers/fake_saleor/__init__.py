"""A fake Saleor 3.23 for integration tests: real HTTP on 127.0.0.1, real schema, real crypto.

with FakeSaleor() as saleor:
    app = saleor.install_app("http://127.0.0.1:5000/api/manifest")
    saleor.add_order(order)
    saleor.send_event(app, "ORDER_CREATED", order_id=order["id"])

Mutations (orderFulfill, orderNoteAdd, updateMetadata, ...) change the stored order and fire
the webhooks Saleor would, from a background thread: `saleor.wait_for_events()`, then look at
`saleor.deliveries`, `saleor.emitted_events` and `saleor.order(order_id)`. Test data:
`add_product`, `add_warehouse`, `set_stock`, `shop_settings`, `add_app`; faults:
`fail_next_graphql`, `stall_next_graphql` (timed out before applying), `delay_next_mutation`
(applied, answered late).
"""

from .events import EmittedEvent
from .fake import FakeSaleor
from .keys import SigningKey, thumbprint, verify_detached_jws
from .models import GraphQLCall, InstalledApp, InstallFailed, WebhookDelivery
from .schema import default_schema_path, load_schema, schema_without, shared_saleor_dir
from .webhooks import WebhookPayloadError

__all__ = [
    "EmittedEvent",
    "FakeSaleor",
    "GraphQLCall",
    "InstallFailed",
    "InstalledApp",
    "SigningKey",
    "WebhookDelivery",
    "WebhookPayloadError",
    "default_schema_path",
    "load_schema",
    "schema_without",
    "shared_saleor_dir",
    "thumbprint",
    "verify_detached_jws",
]

"""A fake Saleor 3.23 for integration tests: real HTTP on 127.0.0.1, real schema, real crypto.

with FakeSaleor() as saleor:
    app = saleor.install_app("http://127.0.0.1:5000/api/manifest")
    saleor.add_order(order)
    saleor.send_event(app, "ORDER_CREATED", order_id=order["id"])
"""

from .fake import FakeSaleor
from .keys import SigningKey, thumbprint, verify_detached_jws
from .models import GraphQLCall, InstalledApp, InstallFailed, WebhookDelivery
from .schema import default_schema_path, load_schema, shared_saleor_dir
from .webhooks import WebhookPayloadError

__all__ = [
    "FakeSaleor",
    "GraphQLCall",
    "InstallFailed",
    "InstalledApp",
    "SigningKey",
    "WebhookDelivery",
    "WebhookPayloadError",
    "default_schema_path",
    "load_schema",
    "shared_saleor_dir",
    "thumbprint",
    "verify_detached_jws",
]

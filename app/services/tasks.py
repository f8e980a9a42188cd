"""Names of the background tasks services ask for (the job layer maps them to Celery tasks)."""

SEND_PURCHASE_ORDER = "send_purchase_order"
WRITE_BACK_ORDER = "write_back_order"
WRITE_FULFILMENT = "write_fulfilment"
UPDATE_TRACKING = "update_tracking"
CANCEL_SHIPMENT = "cancel_shipment"
RECHECK_SHOP_SCHEMA = "recheck_shop_schema"

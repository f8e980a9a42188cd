"""Names of the background tasks services ask for (the job layer maps them to Celery tasks)."""

SEND_PURCHASE_ORDER = "send_purchase_order"
WRITE_BACK_ORDER = "write_back_order"

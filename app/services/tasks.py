"""Every background task, named once.

A member's value is the Celery task's registered name: the worker registers each task under it
(``@celery.task(name=Task.X)``), the TaskQueue sends it, the beat schedule names it. Messages
already queued carry these names, so a value never changes.
"""

from enum import StrEnum


class TaskName(StrEnum):
    PROCESS_DELIVERY = "app.jobs.deliveries.process_delivery_task"
    PRUNE_DELIVERY_PAYLOADS = "app.jobs.deliveries.prune_delivery_payloads_task"
    SEND_PURCHASE_ORDER = "app.jobs.purchase_orders.send_purchase_order_task"
    WRITE_BACK_ORDER = "app.jobs.purchase_orders.write_back_order_task"
    QUEUE_WAITING_WRITE_BACKS = "app.jobs.purchase_orders.queue_waiting_write_backs_task"
    QUEUE_LOST_WRITES = "app.jobs.purchase_orders.queue_lost_writes_task"
    WRITE_FULFILMENT = "app.jobs.shipments.write_fulfilment_task"
    UPDATE_TRACKING = "app.jobs.shipments.update_tracking_task"
    CANCEL_SHIPMENT = "app.jobs.shipments.cancel_shipment_task"
    RECHECK_SHOP_SCHEMA = "app.jobs.shop_schemas.recheck_shop_schema_task"
    RECHECK_INSTALLATION_SCHEMA = "app.jobs.shop_schemas.recheck_installation_schema_task"
    RECHECK_SHOP_SCHEMAS = "app.jobs.shop_schemas.recheck_shop_schemas_task"
    REVIEW_ORDER_RISK = "app.jobs.risk.review_order_risk_task"
    QUEUE_MISSED_REVIEWS = "app.jobs.risk.queue_missed_reviews_task"
    FOLLOW_PAYMENT = "app.jobs.payments.follow_payment_task"
    FOLLOW_PAYMENTS_IN_FLIGHT = "app.jobs.payments.follow_payments_in_flight_task"
    POLL_EDI_VENDORS = "app.jobs.edi.poll_edi_vendors_task"
    SEND_LATE_DIGESTS = "app.jobs.purchase_orders.send_late_digests_task"
    SEND_VENDOR_REMINDERS = "app.jobs.purchase_orders.send_vendor_reminders_task"
    NOTIFY_LAPSED_MODULES = "app.jobs.billing.notify_lapsed_modules_task"
    ADVANCE_ORDER = "app.jobs.automation.advance_order_task"
    QUEUE_DUE_AUTOMATION = "app.jobs.automation.queue_due_automation_task"

    @property
    def short_name(self) -> str:
        """``send_purchase_order_task``: the name in metrics and logs."""
        return self.value.rsplit(".", 1)[-1]


# The tasks services queue, as the services spell them.
SEND_PURCHASE_ORDER = TaskName.SEND_PURCHASE_ORDER
WRITE_BACK_ORDER = TaskName.WRITE_BACK_ORDER
WRITE_FULFILMENT = TaskName.WRITE_FULFILMENT
UPDATE_TRACKING = TaskName.UPDATE_TRACKING
CANCEL_SHIPMENT = TaskName.CANCEL_SHIPMENT
RECHECK_SHOP_SCHEMA = TaskName.RECHECK_SHOP_SCHEMA
REVIEW_ORDER_RISK = TaskName.REVIEW_ORDER_RISK
ADVANCE_ORDER = TaskName.ADVANCE_ORDER

"""The use cases views, tasks and commands call, by name.

The composition root (``app/bootstrap.py``, ``UseCases``) binds each one's ports (``uow_factory``,
``saleor``, ``queue``, ``carriers``, ``channels``, ``documents``, ``verifier``, ``mailer``,
``defaults``) by parameter name,
so a caller passes ids and form values only, by keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.services import (
    dashboard_users,
    deliveries,
    delivery_retention,
    dispatch,
    edi_inbound,
    edi_partners,
    first_run,
    inbox_relay,
    installations,
    lost_writes,
    orders,
    outbound,
    product_vendors,
    purchase_orders,
    queries,
    shipment_imports,
    shipments,
    shop_schemas,
    shop_settings,
    vendors,
    webhook_sync,
    writeback_queue,
)
from app.services.saleor_writes import fulfilment_changes, fulfilments, write_back

_SERVICES: tuple[Callable[..., Any], ...] = (
    # installation, webhooks, dashboard users
    installations.register_installation,
    installations.active_installation,
    installations.installation_saleor_api,
    dashboard_users.authenticate_dashboard_user,
    deliveries.ingest_webhook,
    deliveries.process_delivery,
    deliveries.mark_delivery_failed,
    delivery_retention.prune_delivery_payloads,
    inbox_relay.relay_received_deliveries,
    webhook_sync.active_api_urls,
    webhook_sync.sync_webhooks,
    shop_schemas.recheck_shop_schema,
    shop_schemas.recheck_shop_schema_by_url,
    shop_schemas.active_installation_ids,
    shop_schemas.shop_schema,
    # orders and purchase orders
    queries.order_widget,
    orders.refresh_order_by_id,
    orders.change_line_vendor,
    orders.confirm_order,
    orders.complete_order,
    write_back.write_back_order,
    outbound.retry_saleor_write,
    writeback_queue.queue_waiting_write_backs,
    lost_writes.queue_lost_writes,
    purchase_orders.create_purchase_orders,
    purchase_orders.send_purchase_order,
    purchase_orders.mark_purchase_order_sent,
    purchase_orders.cancel_purchase_order,
    purchase_orders.purchase_order_file,
    dispatch.dispatch_purchase_order,
    # shipments and Saleor fulfilments
    shipments.record_shipment,
    shipments.correct_tracking,
    shipments.retry_shipment,
    shipments.cancel_shipment,
    shipment_imports.import_shipments_csv,
    fulfilments.write_fulfilment,
    fulfilment_changes.update_tracking_in_saleor,
    fulfilment_changes.cancel_in_saleor,
    # vendors, the catalogue and settings
    vendors.list_vendors,
    vendors.get_vendor,
    vendors.save_vendor,
    vendors.set_vendor_active,
    vendors.export_vendors_csv,
    vendors.import_vendors_csv,
    product_vendors.list_product_vendors,
    product_vendors.save_product_vendor,
    product_vendors.remove_product_vendor,
    product_vendors.import_product_vendors_csv,
    shop_settings.get_settings,
    shop_settings.save_settings,
    first_run.first_run_checklist,
    first_run.dismiss_first_run,
    first_run.send_test_po,
    # EDI vendors (issue 12)
    edi_partners.edi_page,
    edi_partners.save_edi_settings,
    edi_partners.fetch_edi_host_key,
    edi_partners.pin_edi_host_key,
    edi_partners.send_edi_test,
    edi_partners.edi_document,
    edi_inbound.poll_edi_vendor,
    edi_inbound.poll_edi_vendors,
)

USE_CASES: dict[str, Callable[..., Any]] = {service.__name__: service for service in _SERVICES}

"""Orders: the app's copy of each order, read from Saleor, its drop-ship plan, and the
merchant's order actions (confirm in Saleor, complete)."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.installations import Installation, InstallationId
from app.domain.orders import Order, OrderInfo
from app.domain.plans import ChosenBy, DropShipPlan, LineChoice, build_plan
from app.errors import Invalid, NotFound
from app.services.ports import SaleorGateway, SaleorUnavailable, TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.unit_of_work_errors import StaleForm
from app.services.writeback_queue import queue_write_back


@dataclass(frozen=True)
class OrderView:
    """An order with its plan, as the widget shows it."""

    snapshot: Order
    plan: DropShipPlan


def load_plan(uow: UnitOfWork, installation_id: InstallationId, order: Order) -> DropShipPlan:
    """The plan from the stored choices and the current catalogue (two queries)."""
    options = uow.product_vendors.options_for_products(installation_id, order.info.product_ids)
    return build_plan(order, options, uow.plans.choices(installation_id, order.saleor_order_id))


def refresh_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    installation: Installation,
    order_id: str,
) -> Order:
    """Read the order from Saleor in one query, store it and its plan.

    Idempotent: any order event may arrive first or twice; choices the merchant made are kept.
    """
    assert installation.id is not None
    info = saleor.api(installation.saleor_api_url, installation.token).fetch_order(order_id)
    if info is None:
        raise NotFound(f"Saleor has no order {order_id}.")
    with uow_factory() as uow:
        order = store_order_info(uow, installation.id, info)
        uow.commit()
    return order


def store_order_info(uow: UnitOfWork, installation_id: InstallationId, info: OrderInfo) -> Order:
    """Store what Saleor says about the order (from a read or a mutation's answer) and its plan;
    returns the order with its drop-ship state."""
    uow.orders.save(installation_id, info)
    order = uow.orders.get(installation_id, info.id)
    assert order is not None
    plan = load_plan(uow, installation_id, order)
    uow.plans.save_choices(installation_id, info.id, plan.choices)
    return order


def refresh_order_by_id(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    installation_id: InstallationId,
    order_id: str,
) -> Order:
    """The widget's "Refresh": read the order from Saleor again and store it."""
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
    if installation is None or not installation.is_active:
        raise NotFound("The app is not installed in this Saleor.")
    return refresh_order(uow_factory, saleor, installation, order_id)


def view_order(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> OrderView | None:
    with uow_factory() as uow:
        snapshot = uow.orders.get(installation_id, order_id)
        if snapshot is None:
            return None
        return OrderView(snapshot, load_plan(uow, installation_id, snapshot))


def check_not_stale(order: Order, drawn_at: str | None) -> None:
    """The form carries the order's ``updatedAt`` from when it was drawn."""
    if drawn_at is not None and drawn_at != order.updated_at:
        raise StaleForm("This order changed since the widget was drawn: reload it and try again.")


def change_line_vendor(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    order_id: str,
    order_line_id: str,
    vendor_id: int | None,
    drawn_at: str | None = None,
) -> DropShipPlan:
    """The merchant picks another vendor for a line, or "not drop-shipped" (None)."""
    with uow_factory() as uow:
        snapshot = uow.orders.get(installation_id, order_id)
        if snapshot is None:
            raise NotFound("This order has not reached the app yet.")
        check_not_stale(snapshot, drawn_at)
        plan = load_plan(uow, installation_id, snapshot)
        line = plan.line(order_line_id)
        if line is None:
            raise NotFound("This line is not on the order.")
        if uow.purchase_orders.quantity_on_open_pos(installation_id, order_id).get(order_line_id):
            raise Invalid(
                f"{line.product_name} is on an open purchase order: cancel that PO to change "
                "its vendor.",
                field="vendor_id",
            )
        if vendor_id is not None and vendor_id not in {o.vendor_id for o in line.options}:
            raise Invalid(f"That vendor does not ship {line.product_name}.", field="vendor_id")
        choice = LineChoice(order_line_id, vendor_id, ChosenBy.MERCHANT)
        uow.plans.save_choices(installation_id, order_id, [choice])
        uow.commit()
        return load_plan(uow, installation_id, snapshot)


def confirm_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    installation_id: InstallationId,
    order_id: str,
) -> str:
    """Confirm an UNCONFIRMED order in Saleor from the widget; returns its new status.

    The app's copy is updated from the order the mutation returns (its own ORDER_CONFIRMED
    event is skipped at ingest). A refusal is a SaleorMutationFailed (HTTP 502).
    """
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
        order = uow.orders.get(installation_id, order_id)
    if installation is None or order is None:
        raise NotFound("This order has not reached the app yet.")
    order.ensure_confirmable()
    api = saleor.api(installation.saleor_api_url, installation.token)
    try:
        info = api.confirm_order(order_id)
    except SaleorUnavailable:
        # unknown outcome: Saleor may have confirmed it before the timeout; read it back
        # rather than let the next click send orderConfirm again
        info = api.fetch_order(order_id)
        if info is None or info.status == "UNCONFIRMED":
            raise
    if info is None:
        raise NotFound(f"Saleor has no order {order_id}.")
    with uow_factory() as uow:
        store_order_info(uow, installation_id, info)
        uow.commit()
    return info.status


def complete_order(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    *,
    actor: str,
    reason: str = "",
) -> str:
    """ "Complete" only when every drop-shipped line is fulfilled, or with an explicit reason.

    Returns the note, which is also queued for Saleor.
    """
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
        if order is None:
            raise NotFound("This order has not reached the app yet.")
        plan = load_plan(uow, installation_id, order)
        order.complete(plan.drop_shipped_line_ids, reason=reason)
        note = f"Drop-ship order complete ({actor})" + (
            f": {order.state_note}" if order.state_note else "."
        )
        uow.orders.set_state(installation_id, order_id, order.state, order.state_note)
        queue_write_back(uow, queue, installation_id, order_id, note)
        uow.commit()
    return note

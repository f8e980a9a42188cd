"""Orders: the app's copy of each order, read from Saleor."""

from __future__ import annotations

from app.domain.installations import Installation
from app.domain.orders import OrderSnapshot
from app.errors import NotFound
from app.services.ports import SaleorGateway
from app.services.unit_of_work import UnitOfWorkFactory


def refresh_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    installation: Installation,
    order_id: str,
) -> OrderSnapshot:
    """Read the order from Saleor in one query and store it; repeating it changes nothing else."""
    assert installation.id is not None
    data = saleor.api(installation.saleor_api_url, installation.token).fetch_order(order_id)
    if data is None:
        raise NotFound(f"Saleor has no order {order_id}.")
    snapshot = OrderSnapshot.from_saleor(data)
    with uow_factory() as uow:
        uow.orders.save(installation.id, snapshot)
        uow.commit()
    return snapshot

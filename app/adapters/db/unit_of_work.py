"""The SQLAlchemy unit of work: one connection and transaction, callbacks after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from app.adapters.crypto import TokenCipher
from app.adapters.db.automation import SqlAutomationRepository
from app.adapters.db.billing import SqlBillingRepository
from app.adapters.db.catalogue import (
    SqlLogoRepository,
    SqlPlanRepository,
    SqlProductVendorRepository,
    SqlSettingsRepository,
    SqlVendorRepository,
)
from app.adapters.db.edi import SqlEdiRepository
from app.adapters.db.installation_cache import InstallationCache
from app.adapters.db.outbound import SqlNoteRepository, SqlOutboundRepository
from app.adapters.db.payments import SqlPaymentAttemptRepository
from app.adapters.db.po_listing import SqlPurchaseOrderListing
from app.adapters.db.portal_links import SqlPortalLinkRepository
from app.adapters.db.purchase_orders import SqlPurchaseOrderRepository
from app.adapters.db.reports import SqlReports
from app.adapters.db.repositories import (
    SqlDeliveryRepository,
    SqlInstallationRepository,
    SqlOrderRepository,
)
from app.adapters.db.risk import SqlRiskReviewRepository, SqlRiskSettingsRepository
from app.adapters.db.shipments import SqlShipmentRepository
from app.adapters.db.shop_schemas import SqlShopSchemaRepository
from app.adapters.db.vendor_api import SqlVendorApiRepository
from app.errors import ErrorCode, Retryable

logger = logging.getLogger(__name__)


class StorageUnavailable(Retryable):
    """The database cannot be reached or is locked; try again later."""


class ConcurrentChange(Retryable):
    """Another request changed the same rows first (a unique constraint held): reload, retry."""

    code = ErrorCode.CONFLICT


def _is_unavailable(error: BaseException) -> bool:
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class SqlAlchemyUnitOfWork:
    def __init__(
        self, engine: Engine, cipher: TokenCipher, cache: InstallationCache | None = None
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._cache = cache
        self._connection: Connection | None = None
        self._callbacks: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        try:
            self._connection = self._engine.connect()
            self._connection.begin()
        except (OperationalError, InterfaceError) as error:
            raise StorageUnavailable("The database is unavailable.") from error
        self.installations = SqlInstallationRepository(self._connection, self._cipher, self._cache)
        self.deliveries = SqlDeliveryRepository(self._connection)
        self.orders = SqlOrderRepository(self._connection)
        self.settings = SqlSettingsRepository(self._connection, self._cipher)
        self.vendors = SqlVendorRepository(self._connection, self._cipher)
        self.product_vendors = SqlProductVendorRepository(self._connection, self._cipher)
        self.logos = SqlLogoRepository(self._connection)
        self.plans = SqlPlanRepository(self._connection)
        self.purchase_orders = SqlPurchaseOrderRepository(self._connection)
        self.po_listing = SqlPurchaseOrderListing(self._connection)
        self.reports = SqlReports(self._connection)
        self.shipments = SqlShipmentRepository(self._connection)
        self.outbound = SqlOutboundRepository(self._connection)
        self.notes = SqlNoteRepository(self._connection)
        self.shop_schemas = SqlShopSchemaRepository(self._connection)
        self.risk_reviews = SqlRiskReviewRepository(self._connection)
        self.risk_settings = SqlRiskSettingsRepository(self._connection, self._cipher)
        self.payments = SqlPaymentAttemptRepository(self._connection)
        self.edi = SqlEdiRepository(self._connection, self._cipher)
        self.billing = SqlBillingRepository(self._connection)
        self.automation = SqlAutomationRepository(self._connection)
        self.vendor_api = SqlVendorApiRepository(self._connection)
        self.portal_links = SqlPortalLinkRepository(self._connection, self._cipher)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        try:
            self.rollback()
        finally:
            self._connection.close()
            self._connection = None
        if isinstance(exc, IntegrityError):
            raise ConcurrentChange(
                "Someone else changed this at the same moment: reload and try again."
            ) from exc
        if exc is not None and _is_unavailable(exc):
            raise StorageUnavailable("The database is unavailable.") from exc

    def commit(self) -> None:
        assert self._connection is not None
        try:
            self._connection.commit()
        except IntegrityError as error:
            raise ConcurrentChange(
                "Someone else changed this at the same moment: reload and try again."
            ) from error
        except (OperationalError, InterfaceError) as error:
            raise StorageUnavailable("The database is unavailable.") from error
        if self.installations.changed and self._cache is not None:
            self._cache.clear()  # a reader may have cached the old row before this commit
            self.installations.changed = False
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Retryable as error:
                # The change is committed: the broker being down must not answer the merchant
                # with an error. The minute's sweeps (services/lost_writes.py) queue it.
                logger.warning("task not queued after commit (%s); a sweep will", error.message)
        self._connection.begin()

    def rollback(self) -> None:
        assert self._connection is not None
        self._callbacks.clear()
        if self._connection.in_transaction():
            try:
                self._connection.rollback()
            except DBAPIError:
                logger.warning("rollback failed", exc_info=True)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

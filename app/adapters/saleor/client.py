"""A GraphQL client for one Saleor: documents from graphql/, checked against the shop's schema.

Failures come out as the service ports' errors: SaleorUnavailable (network, timeout, 5xx:
retried here for reads only), SaleorRefused (GraphQL errors, such as PermissionDenied, which
Saleor sends with HTTP 200) and SaleorMutationFailed (a mutation's own ``errors`` list).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.requests import RequestsHTTPTransport

from app.adapters import metrics
from app.adapters.saleor.documents import Documents
from app.services.ports import SaleorMutationFailed, SaleorRefused, SaleorUnavailable

logger = logging.getLogger(__name__)


def _error_codes(errors: list[Any] | None) -> tuple[str, ...]:
    codes = []
    for error in errors or []:
        if isinstance(error, Mapping):
            code = ((error.get("extensions") or {}).get("exception") or {}).get("code")
            if code:
                codes.append(str(code))
    return tuple(codes)


def _is_validation_failure(errors: list[Any] | None) -> bool:
    """Saleor answers a document its schema cannot run with HTTP 400, errors without a path
    and no ``data`` (responses/graphql_validation_error.json)."""
    found = [e for e in errors or [] if isinstance(e, Mapping)]
    return bool(found) and all("path" not in e for e in found)


def _mutation_errors(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    found: list[Mapping[str, Any]] = []
    for value in data.values():
        if isinstance(value, Mapping):
            found.extend(value.get("errors") or [])
    return tuple(found)


class SaleorClient:
    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        check: Callable[[str], None],
        documents: Documents,
        timeout: float = 10.0,
        read_retries: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        on_validation_error: Callable[[], None] = lambda: None,
    ) -> None:
        self.api_url = api_url
        self._token = token
        self._check = check
        self._on_validation_error = on_validation_error
        self._documents = documents
        self._timeout = timeout
        self._read_retries = read_retries
        self._backoff_seconds = backoff_seconds
        self._sleep = sleep

    def __repr__(self) -> str:  # never show the token
        return f"SaleorClient({self.api_url!r})"

    def execute(self, operation: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a named operation; reads are retried with backoff on 5xx and timeouts.

        The document is checked against the shop's own schema first (SaleorIncompatible).
        """
        self._check(operation)
        attempts = 1 + (self._read_retries if self._documents.is_query(operation) else 0)
        for attempt in range(attempts):
            try:
                data = self._send(operation, variables)
            except SaleorUnavailable:
                if attempt + 1 >= attempts:
                    raise
                delay = self._backoff_seconds * 2**attempt
                logger.warning("%s failed, retry %d in %.1fs", operation, attempt + 1, delay)
                self._sleep(delay)
                continue
            errors = _mutation_errors(data)
            if errors:
                summary = "; ".join(str(e.get("message") or e.get("code")) for e in errors)
                raise SaleorMutationFailed(f"Saleor refused {operation}: {summary}", errors=errors)
            return data
        raise AssertionError("unreachable")

    def _send(self, operation: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        started = time.perf_counter()
        result = "error"
        try:
            data = self._post(operation, variables)
            result = "ok"
            return data
        except SaleorRefused:
            result = "refused"
            raise
        except SaleorUnavailable:
            result = "unavailable"
            raise
        finally:
            metrics.saleor_call(operation, result, time.perf_counter() - started)

    def _post(self, operation: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        transport = RequestsHTTPTransport(
            url=self.api_url,
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=self._timeout,  # type: ignore[arg-type]
            retries=0,
        )
        client = Client(transport=transport)  # checked once per schema in execute()
        request = GraphQLRequest(
            self._documents[operation],
            variable_values=dict(variables or {}),
            operation_name=operation,
        )
        try:
            result = client.execute(request)
        except TransportQueryError as error:
            codes = _error_codes(error.errors)
            if error.data is None and _is_validation_failure(error.errors):
                logger.error(
                    "Saleor at %s refused %s as invalid: %s", self.api_url, operation, error
                )
                self._on_validation_error()
            raise SaleorRefused(f"Saleor refused {operation}: {error}", codes=codes) from None
        except TransportServerError as error:
            if error.code is not None and error.code < 500:
                raise SaleorRefused(f"Saleor answered HTTP {error.code} to {operation}") from None
            raise SaleorUnavailable(f"Saleor answered HTTP {error.code} to {operation}") from None
        except (TransportConnectionFailed, TransportProtocolError) as error:
            raise SaleorUnavailable(
                f"Saleor could not be reached for {operation}: {error}"
            ) from None
        return dict(result)

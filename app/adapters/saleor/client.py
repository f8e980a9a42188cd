"""A GraphQL client for one Saleor: documents from graphql/, validated before sending.

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
from graphql import GraphQLSchema

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
        schema: GraphQLSchema,
        documents: Documents,
        timeout: float = 10.0,
        read_retries: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url
        self._token = token
        self._schema = schema
        self._documents = documents
        self._timeout = timeout
        self._read_retries = read_retries
        self._backoff_seconds = backoff_seconds
        self._sleep = sleep

    def __repr__(self) -> str:  # never show the token
        return f"SaleorClient({self.api_url!r})"

    def execute(self, operation: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a named operation; reads are retried with backoff on 5xx and timeouts."""
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
        transport = RequestsHTTPTransport(
            url=self.api_url,
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=self._timeout,  # type: ignore[arg-type]
            retries=0,
        )
        client = Client(schema=self._schema, transport=transport)
        request = GraphQLRequest(
            self._documents[operation],
            variable_values=dict(variables or {}),
            operation_name=operation,
        )
        try:
            result = client.execute(request)
        except TransportQueryError as error:
            codes = _error_codes(error.errors)
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

"""Each shop's own schema: read by introspection, documents checked against it once per schema.

The verdict for a (schema, operation) pair is cached, so a request costs a dictionary lookup.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import requests
from graphql import GraphQLSchema, build_client_schema, get_introspection_query

from app.adapters.saleor.documents import Documents, schema_errors
from app.domain.shop_schemas import ShopSchema
from app.services.ports import SaleorIncompatible, SaleorRefused, SaleorUnavailable

# One request: the Saleor's version and its schema. ``Shop.version`` needs an app or staff
# token (schema.graphql, type Shop: "Requires one of ... AUTHENTICATED_APP").
INTROSPECTION_QUERY = get_introspection_query(descriptions=False).replace(
    "query IntrospectionQuery {", "query ShopSchema {\n    shop { version }", 1
)
SCHEMAS_IN_MEMORY = 4

# Shared by every registry of the process: a schema is built, and each document checked against
# it, once per process (several shops on one Saleor release share one schema).
_SCHEMAS: OrderedDict[str, GraphQLSchema] = OrderedDict()
_VERDICTS: dict[tuple[str, int, str], tuple[str, ...]] = {}
# An answer already read, by the SHA-256 of its bytes: shops on one Saleor release answer the
# introspection byte for byte alike, and decoding and re-encoding 2 MB of JSON is most of a read.
_ANSWERS: OrderedDict[str, tuple[str, str, bytes]] = OrderedDict()
_LOCK = threading.Lock()


def _decode(response: requests.Response, api_url: str) -> Mapping[str, Any]:
    if response.status_code >= 500:
        raise SaleorUnavailable(f"{api_url} answered HTTP {response.status_code} to ShopSchema")
    try:
        body = response.json()
    except ValueError:
        raise SaleorRefused(f"{api_url} did not answer JSON to ShopSchema") from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors or response.status_code != 200:
        message = "; ".join(str(e.get("message")) for e in errors or [] if isinstance(e, dict))
        raise SaleorRefused(f"Saleor refused ShopSchema: {message or response.status_code}")
    data = body.get("data") or {}
    if not isinstance(data.get("__schema"), dict) or not (data.get("shop") or {}).get("version"):
        raise SaleorRefused("Saleor's answer to ShopSchema lacks __schema or shop.version")
    return data


class SchemaRegistry:
    """Schemas by content hash, and which documents each of them can answer."""

    def __init__(
        self,
        documents: Documents,
        subscriptions: Documents,
        load: Callable[[str], bytes | None] = lambda sha: None,
    ) -> None:
        self._documents = documents
        self._subscriptions = subscriptions
        self._load = load

    def read(
        self, session: requests.Session, api_url: str, token: str, timeout: float
    ) -> ShopSchema:
        """Introspect a Saleor (one request) and check every document against its schema."""
        try:
            response = session.post(
                api_url,
                json={"query": INTROSPECTION_QUERY, "operationName": "ShopSchema"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise SaleorUnavailable(
                f"Could not reach {api_url} for its schema: {type(error).__name__}"
            ) from None
        answer_sha = hashlib.sha256(response.content).hexdigest()
        with _LOCK:
            seen = _ANSWERS.get(answer_sha) if response.status_code == 200 else None
            seen = seen if seen is not None and seen[1] in _SCHEMAS else None
        if seen is not None:
            version, sha, stored = seen
            return ShopSchema(version, sha, self.problems(sha), stored)
        data = _decode(response, api_url)
        schema = self.remember({"__schema": data["__schema"]}, str(data["shop"]["version"]))
        with _LOCK:
            _ANSWERS[answer_sha] = (schema.saleor_version, schema.sha256, schema.introspection)
            while len(_ANSWERS) > SCHEMAS_IN_MEMORY:
                _ANSWERS.popitem(last=False)
        return schema

    def remember(self, introspection: Mapping[str, Any], saleor_version: str) -> ShopSchema:
        """Build (or reuse) the schema of an introspection result and check the documents."""
        text = json.dumps(introspection, sort_keys=True, separators=(",", ":"))
        sha = hashlib.sha256(text.encode()).hexdigest()
        with _LOCK:
            known = sha in _SCHEMAS
        if not known:
            try:
                schema = build_client_schema(introspection, assume_valid=True)  # type: ignore[arg-type]
            except (TypeError, KeyError, ValueError) as error:
                raise SaleorRefused(f"Saleor's schema could not be read: {error}") from None
            self._keep(sha, schema)
        return ShopSchema(
            saleor_version=saleor_version[:40],
            sha256=sha,
            problems=self.problems(sha),
            introspection=zlib.compress(text.encode(), 6),
        )

    def add_fixed(self, key: str, schema: GraphQLSchema) -> None:
        """A schema not read from a shop (tests and benchmarks pass Saleor's SDL)."""
        self._keep(key, schema)

    def _keep(self, sha: str, schema: GraphQLSchema) -> None:
        with _LOCK:
            _SCHEMAS[sha] = schema
            _SCHEMAS.move_to_end(sha)
            while len(_SCHEMAS) > SCHEMAS_IN_MEMORY:
                _SCHEMAS.popitem(last=False)

    def _schema(self, sha: str) -> GraphQLSchema:
        with _LOCK:
            schema = _SCHEMAS.get(sha)
        if schema is not None:
            return schema
        stored = self._load(sha)
        if stored is None:
            raise SaleorIncompatible(f"The stored Saleor schema {sha[:12]} is missing.")
        schema = build_client_schema(json.loads(zlib.decompress(stored)), assume_valid=True)
        self._keep(sha, schema)
        return schema

    def _verdict(self, sha: str, documents: Documents, operation: str) -> tuple[str, ...]:
        key = (sha, id(documents), documents.file_of(operation))
        with _LOCK:
            verdict = _VERDICTS.get(key)
        if verdict is None:
            errors = schema_errors(self._schema(sha), documents[operation])
            verdict = tuple(f"{key[2]}: {message}" for message in errors)
            with _LOCK:
                _VERDICTS[key] = verdict
        return verdict

    def problems(self, sha: str) -> tuple[str, ...]:
        """Every document in graphql/ and webhooks/ the schema cannot answer, and why."""
        found: list[str] = []
        for documents in (self._documents, self._subscriptions):
            for operation in documents.names():
                found.extend(self._verdict(sha, documents, operation))
        return tuple(found)

    def check(self, sha: str, operation: str) -> None:
        """Raise SaleorIncompatible when the shop's schema cannot answer ``operation``."""
        verdict = self._verdict(sha, self._documents, operation)
        if verdict:
            raise SaleorIncompatible("; ".join(verdict))

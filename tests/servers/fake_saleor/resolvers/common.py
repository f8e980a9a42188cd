"""Mutation plumbing: Saleor's mutation-level errors, node lookups and Relay connections."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    get_named_type,
)

from ..auth import RequestContext
from ..data import from_global_id
from .registry import Resolver

MAX_PAGE = 100


class MutationError(Exception):
    """A ValidationError: reported in the mutation's own `errors` list, never top-level."""

    def __init__(self, field: str | None, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.errors = [{"field": field, "code": code, "message": message, **extra}]

    @classmethod
    def of(cls, errors: list[dict[str, Any]]) -> MutationError:
        """Several errors at once (e.g. one INSUFFICIENT_STOCK per line)."""
        error = cls(None, "", "")
        error.errors = errors
        return error


def payload(*error_keys: str) -> Callable[[Resolver], Resolver]:
    """Run a mutation under the store lock; MutationError -> `{<error_keys>: [...]}`.

    Like Saleor's atomic mutations, webhook events queued before the error are dropped.
    """

    def wrap(fn: Resolver) -> Resolver:
        @functools.wraps(fn)
        def run(parent: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
            ctx: RequestContext = info.context
            events = ctx.extras.setdefault("events", [])
            queued = len(events)
            with ctx.store.lock:
                try:
                    result = dict(fn(parent, info, **args))
                except MutationError as exc:
                    del events[queued:]
                    return {key: _known_codes(info, key, exc.errors) for key in error_keys}
            for key in error_keys:
                result.setdefault(key, [])
            return result

        return run

    return wrap


def _known_codes(
    info: GraphQLResolveInfo[Any], key: str, errors: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Codes missing from the error type's enum serialise as null in Saleor (legacy graphene),
    e.g. NOT_FOUND in OrderNoteAddErrorCode."""
    payload_type = get_named_type(info.return_type)
    error_type = None
    if isinstance(payload_type, GraphQLObjectType) and key in payload_type.fields:
        error_type = get_named_type(payload_type.fields[key].type)
    code_type = None
    if isinstance(error_type, GraphQLObjectType) and "code" in error_type.fields:
        code_type = get_named_type(error_type.fields["code"].type)
    if not isinstance(code_type, GraphQLEnumType):
        return errors
    return [{**e, "code": e["code"] if e["code"] in code_type.values else None} for e in errors]


def decode_id(global_id: str | None, type_name: str, field: str | None) -> str:
    """The pk of a `type_name` id; GRAPHQL_ERROR for undecodable or wrong-type ids."""
    decoded = from_global_id(global_id) if global_id else None
    if decoded is None:
        raise MutationError(field, "GRAPHQL_ERROR", f"Couldn't resolve id: {global_id}.")
    if decoded[0] != type_name:
        raise MutationError(field, "GRAPHQL_ERROR", f"Must receive a {type_name} id.")
    return decoded[1]


def get_node(
    ctx: RequestContext, global_id: str | None, type_name: str, field: str | None = "id"
) -> dict[str, Any]:
    """BaseMutation.get_node_or_error over the fake's store."""
    decode_id(global_id, type_name, field)
    node = ctx.store.node(type_name, str(global_id))
    if node is None:
        raise MutationError(field, "NOT_FOUND", f"Couldn't resolve to a node: {global_id}")
    return node


def get_fulfillment(ctx: RequestContext, global_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(order, fulfillment) for a Fulfillment id, or the NOT_FOUND / GRAPHQL_ERROR error."""
    decode_id(global_id, "Fulfillment", "id")
    found = ctx.store.find_fulfillment(global_id)
    if found is None:
        raise MutationError("id", "NOT_FOUND", f"Couldn't resolve to a node: {global_id}")
    return found


def _cursor(key: Sequence[Any]) -> str:
    return base64.b64encode(json.dumps(list(key)).encode()).decode("ascii")


def _uncursor(cursor: str) -> list[Any]:
    try:
        return list(json.loads(base64.b64decode(cursor)))
    except ValueError as exc:
        raise GraphQLError("Received cursor is invalid.") from exc


def connection(
    items: list[dict[str, Any]],
    sort_key: Callable[[dict[str, Any]], list[Any]],
    name: str,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    reverse: bool = False,
) -> dict[str, Any]:
    """A Saleor CountableConnection; cursors are base64 JSON of the sort values."""
    if first is None and last is None:
        raise GraphQLError(
            f"You must provide a `first` or `last` value to properly paginate the `{name}` "
            "connection."
        )
    for arg, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            raise GraphQLError(
                f"Requesting {value} records on the `{name}` connection exceeds the "
                f"`{arg}` limit of {MAX_PAGE} records."
            )
    ordered = sorted(items, key=sort_key, reverse=reverse)
    keys = [sort_key(item) for item in ordered]
    start, stop = 0, len(ordered)
    if after is not None:
        mark = _uncursor(after)
        start = next((i for i, k in enumerate(keys) if (k < mark if reverse else k > mark)), stop)
    if before is not None:
        mark = _uncursor(before)
        stop = next(
            (i for i, k in enumerate(keys) if not (k > mark if reverse else k < mark)), stop
        )
    window = list(range(start, max(start, stop)))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    edges = [{"node": ordered[i], "cursor": _cursor(keys[i])} for i in window]
    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] < stop - 1,
            "hasPreviousPage": bool(window) and window[0] > start,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
        "totalCount": len(ordered),
    }

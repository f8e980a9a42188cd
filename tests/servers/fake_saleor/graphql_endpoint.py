"""`POST /graphql/`: parse, validate and execute against the real schema, Saleor style."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute_sync,
    get_operation_ast,
    parse,
    print_ast,
    validate,
)
from werkzeug.wrappers import Request, Response

from .auth import RequestContext, principal_from_headers
from .data import DataStore
from .errors import format_error, format_syntax_error, format_validation_error
from .keys import SigningKey
from .models import GraphQLCall
from .resolvers import field_resolver

COST = {"cost": {"requestedQueryCost": 1, "maximumAvailable": 50000}}
# Executing Saleor's introspection takes about a second: answer each (schema, query) once.
_INTROSPECTIONS: dict[tuple[int, str], Any] = {}
# ... and encode each such answer's 2 MB `__schema` once (by the id of the kept dictionary).
_ENCODED_SCHEMAS: dict[int, str] = {}
_SCHEMA_SLOT = "\u0000fake-saleor-schema\u0000"
# Saleor runs graphql-core-legacy, whose introspection lists every argument and input field,
# deprecated or not (it has no `includeDeprecated` on them); graphql-core 3 hides deprecated
# ones unless asked, so the fake asks.
_LIST_EVERY_ARGUMENT = re.compile(r"\b(args|inputFields)\b(?!\s*\()")
_FAILURE_PAGE = "<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"


class GraphQLEndpoint:
    """Handles GraphQL HTTP requests and records each one in `calls`."""

    def __init__(
        self,
        schema: GraphQLSchema,
        store: DataStore,
        key: Callable[[], SigningKey],
        api_url: Callable[[], str],
        calls: list[GraphQLCall],
        on_started: Callable[[], None] | None = None,
        on_answered: Callable[[RequestContext], None] | None = None,
    ) -> None:
        self.schema, self.store, self._key, self._api_url = schema, store, key, api_url
        self.calls = calls
        self._on_started, self._on_answered = on_started, on_answered
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._stalls: list[float] = []
        self._operation_stalls: dict[str, float] = {}
        self._lock = threading.Lock()

    def fail_next(self, status: int, count: int) -> None:
        """The next `count` requests get `status` with an HTML body (a proxy error page)."""
        with self._lock:
            self._failures.extend([status] * count)

    def _pop_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def delay_next_mutation(self, seconds: float, count: int) -> None:
        """The next `count` mutation requests are executed, then answered `seconds` late."""
        with self._lock:
            self._delays.extend([seconds] * count)

    def _pop_delay(self) -> float:
        with self._lock:
            return self._delays.pop(0) if self._delays else 0.0

    def stall_next(self, seconds: float, count: int) -> None:
        """The next `count` requests wait `seconds`, then answer 504 without being executed
        (a gateway that timed out before Saleor applied anything)."""
        with self._lock:
            self._stalls.extend([seconds] * count)

    def _pop_stall(self) -> float | None:
        with self._lock:
            return self._stalls.pop(0) if self._stalls else None

    def stall_next_operation(self, operation_name: str, seconds: float) -> None:
        """Like stall_next, for the next request naming ``operation_name`` only."""
        with self._lock:
            self._operation_stalls[operation_name] = seconds

    def _pop_operation_stall(self, operation_name: object) -> float | None:
        with self._lock:
            return self._operation_stalls.pop(str(operation_name), None)

    def __call__(self, request: Request) -> Response:
        """Answer one HTTP request."""
        headers = dict(request.headers.items())
        payload = request.get_json(force=True, silent=True)
        payload = payload if isinstance(payload, dict) else {}
        call = GraphQLCall(
            operation_name=payload.get("operationName"),
            query=payload.get("query"),
            variables=payload.get("variables"),
            authorization=request.headers.get("Authorization"),
            http_status=0,
            response=None,
            headers=headers,
        )
        failure = self._pop_failure()
        stall = self._pop_stall() if failure is None else None
        if failure is None and stall is None:
            stall = self._pop_operation_stall(payload.get("operationName"))
        if stall is not None:
            time.sleep(stall)
            failure = 504
        if failure is not None:
            call.http_status = failure
            self.calls.append(call)
            return Response(
                _FAILURE_PAGE.format(f"{failure} Error"),
                status=failure,
                content_type="text/html; charset=utf-8",
            )
        principal = principal_from_headers(headers, self.store, self._key())
        call.principal = principal.kind
        ctx = RequestContext(principal, self.store, self._api_url())
        if self._on_started is not None:
            self._on_started()
        try:
            status, body = self._run(call, ctx)
            call.http_status, call.response = status, body
            self.calls.append(call)
        finally:
            if self._on_answered is not None:
                self._on_answered(ctx)  # webhooks of the writes (Celery picks them up)
        if ctx.extras.get("mutation"):
            time.sleep(self._pop_delay())  # applied, but the answer comes late
        return Response(_encode(body), status=status, content_type="application/json")

    def _run(self, call: GraphQLCall, ctx: RequestContext) -> tuple[int, dict[str, Any]]:
        if not isinstance(call.query, str) or not call.query.strip():
            error = {
                "message": "Must provide a query string.",
                "extensions": {"exception": {"code": "GraphQLError"}},
            }
            return 400, {"errors": [error]}
        document, syntax_error, validation_errors = _checked(self.schema, call.query)
        if syntax_error is not None:
            return 400, {"errors": [format_syntax_error(syntax_error)]}
        if validation_errors:
            return 400, {
                "errors": [format_validation_error(e) for e in validation_errors],
                "extensions": COST,
            }
        variables = call.variables if isinstance(call.variables, dict) else None
        operation = get_operation_ast(document, call.operation_name)
        ctx.extras["mutation"] = bool(operation and operation.operation == OperationType.MUTATION)
        schema_fields, rest = _split_introspection(document, operation)
        result = (
            execute_sync(
                self.schema,
                rest,
                variable_values=variables,
                operation_name=call.operation_name,
                context_value=ctx,
                field_resolver=field_resolver,
            )
            if rest is not None
            else ExecutionResult(data={})
        )
        if schema_fields and result.data is not None:
            result.data.update(self._introspect(document, schema_fields))
        errors = [format_error(e) for e in result.errors or []]
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            # request-level failure (variables, operation name): nothing was executed
            errors = [format_validation_error(e) for e in result.errors]
            return 400, {"errors": errors, "extensions": COST}
        body: dict[str, Any] = {"errors": errors} if errors else {}
        body["data"] = result.data
        body["extensions"] = COST
        return 200, body

    def _introspect(self, document: DocumentNode, fields: list[FieldNode]) -> dict[str, Any]:
        """The `__schema` part of a query, executed against the schema once and kept."""
        only = DocumentNode(
            definitions=[
                OperationDefinitionNode(
                    operation=OperationType.QUERY, selection_set=SelectionSetNode(selections=fields)
                ),
                *[d for d in document.definitions if not isinstance(d, OperationDefinitionNode)],
            ]
        )
        key = (id(self.schema), print_ast(only))
        if key not in _INTROSPECTIONS:
            listed = parse(_LIST_EVERY_ARGUMENT.sub(r"\1(includeDeprecated: true)", key[1]))
            data = execute_sync(self.schema, listed).data or {}
            if "__schema" in data:
                _ENCODED_SCHEMAS[id(data["__schema"])] = json.dumps(data["__schema"])
            _INTROSPECTIONS[key] = data
        return dict(_INTROSPECTIONS[key])


@lru_cache(maxsize=1024)
def _checked(
    schema: GraphQLSchema, query: str
) -> tuple[DocumentNode, GraphQLSyntaxError | None, tuple[GraphQLError, ...]]:
    """Parse and validate a query once per schema (the app sends the same few documents)."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return DocumentNode(definitions=()), exc, ()
    return document, None, tuple(validate(schema, document))


def _encode(body: dict[str, Any]) -> str:
    """The JSON answer; a kept introspection's `__schema` is spliced in already encoded."""
    data = body.get("data")
    encoded = _ENCODED_SCHEMAS.get(id(data.get("__schema"))) if isinstance(data, dict) else None
    if encoded is None:
        return json.dumps(body)
    assert isinstance(data, dict)
    slotted = {**body, "data": {**data, "__schema": _SCHEMA_SLOT}}
    return json.dumps(slotted).replace(json.dumps(_SCHEMA_SLOT), encoded, 1)


def _split_introspection(
    document: DocumentNode, operation: OperationDefinitionNode | None
) -> tuple[list[FieldNode], DocumentNode | None]:
    """(the `__schema` fields, the document without them) for a query asking for the schema."""
    if operation is None or operation.operation != OperationType.QUERY:
        return [], document
    selections = operation.selection_set.selections
    fields = [s for s in selections if isinstance(s, FieldNode) and s.name.value == "__schema"]
    if not fields:
        return [], document
    rest = [s for s in selections if s not in fields]
    if not rest:
        return fields, None
    trimmed = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=SelectionSetNode(selections=rest),
    )
    definitions = [trimmed if d is operation else d for d in document.definitions]
    return fields, DocumentNode(definitions=definitions)

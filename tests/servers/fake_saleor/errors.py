"""GraphQL error types and Saleor's (graphql-core-legacy flavoured) error formatting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, SourceLocation


class SaleorError(Exception):
    """A resolver error reported with `extensions.exception.code` = `code`."""

    code = "GraphQLError"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class PermissionDenied(SaleorError):
    """Saleor's PermissionDenied (always top-level, HTTP 200)."""

    code = "PermissionDenied"

    @classmethod
    def needing(cls, permissions: Iterable[str]) -> PermissionDenied:
        """The "To access this path, you need one of ..." variant."""
        listed = ", ".join(permissions)
        return cls(f"To access this path, you need one of the following permissions: {listed}")


class NotImplementedInFake(SaleorError):
    """The fake has no resolver for a field the query asked for."""

    code = "NotImplementedInFake"


def error_code(error: GraphQLError) -> str:
    """Saleor puts the exception class name in `extensions.exception.code`."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return "GraphQLError"
    return getattr(original, "code", None) or type(original).__name__


def format_error(error: GraphQLError, code: str | None = None) -> dict[str, Any]:
    """`{message, locations, path, extensions: {exception: {code}}}` in Saleor's key order."""
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [loc.formatted for loc in error.locations]
    if error.path is not None:
        formatted["path"] = list(error.path)
    formatted["extensions"] = {"exception": {"code": code or error_code(error)}}
    return formatted


def _highlight(body: str, location: SourceLocation) -> str:
    """graphql-core-legacy's `highlight_source_at_location`."""
    line, lines = location.line, body.splitlines()
    pad = len(str(line + 1))
    result = ""
    if line >= 2:
        result += f"{line - 1:>{pad}}: {lines[line - 2]}\n"
    if line <= len(lines):
        result += f"{line:>{pad}}: {lines[line - 1]}\n"
    result += " " * (1 + pad + location.column) + "^\n"
    if line < len(lines):
        result += f"{line + 1:>{pad}}: {lines[line]}\n"
    return result


def format_syntax_error(error: GraphQLSyntaxError) -> dict[str, Any]:
    """Syntax error in Saleor 3.23's wording: "Syntax Error GraphQL (l:c) ...\\n\\n<context>"."""
    location = error.locations[0] if error.locations else SourceLocation(1, 1)
    body = error.source.body if error.source else ""
    description = error.description.rstrip(".").replace("<EOF>", "EOF")
    message = (
        f"Syntax Error GraphQL ({location.line}:{location.column}) {description}\n\n"
        f"{_highlight(body, location)}"
    )
    return {
        "message": message,
        "locations": [location.formatted],
        "extensions": {"exception": {"code": "GraphQLSyntaxError"}},
    }


def format_validation_error(error: GraphQLError) -> dict[str, Any]:
    """Validation error; legacy graphql-core quoted names with double quotes."""
    formatted = format_error(error, code="GraphQLError")
    formatted["message"] = error.message.replace("'", '"')
    return formatted

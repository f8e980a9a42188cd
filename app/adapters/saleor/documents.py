"""The schema and the GraphQL documents in ``graphql/``, loaded and validated once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    parse,
    validate,
)


class InvalidDocument(Exception):
    """A document in graphql/ or webhooks/ does not validate against Saleor's schema."""


@cache
def load_schema(path: Path) -> GraphQLSchema:
    return build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True)


def validate_document(schema: GraphQLSchema, source: str, name: str) -> DocumentNode:
    """Parse and validate a document; raise InvalidDocument naming the file."""
    try:
        document = parse(source)
    except Exception as error:
        raise InvalidDocument(f"{name}: {error}") from error
    errors = validate(schema, document)
    if errors:
        raise InvalidDocument(f"{name}: " + "; ".join(error.message for error in errors))
    return document


def operation_of(document: DocumentNode) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        raise InvalidDocument("each document holds exactly one named operation")
    return operations[0]


class Documents:
    """Operation name -> parsed document, for every file in a folder."""

    def __init__(self, schema: GraphQLSchema, folder: Path) -> None:
        self._documents: dict[str, DocumentNode] = {}
        for path in sorted(folder.glob("*.graphql")):
            document = validate_document(schema, path.read_text(encoding="utf-8"), path.name)
            name = operation_of(document).name
            assert name is not None
            self._documents[name.value] = document

    def __getitem__(self, operation_name: str) -> DocumentNode:
        return self._documents[operation_name]

    def is_query(self, operation_name: str) -> bool:
        return operation_of(self[operation_name]).operation is OperationType.QUERY

    def names(self) -> list[str]:
        return sorted(self._documents)


@cache
def load_documents(schema_path: Path, folder: Path) -> Documents:
    return Documents(load_schema(schema_path), folder)

"""The GraphQL documents in ``graphql/`` and ``webhooks/``, parsed once per process.

Documents are checked against each shop's own schema (see ``schemas.py``), not a bundled one:
the running app needs nothing outside its repository. Fragments shared by several documents
live once in the folder's ``fragments/``; each document gets those it spreads when loaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    build_schema,
    parse,
    validate,
    visit,
)


class InvalidDocument(Exception):
    """A document in graphql/ or webhooks/ does not parse or validate against a schema."""


@cache
def load_schema(path: Path) -> GraphQLSchema:
    """A schema from SDL (tests and benchmarks; the app reads each shop's by introspection)."""
    return build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True)


def parse_document(source: str, name: str) -> DocumentNode:
    """Parse a document holding exactly one named operation; raise InvalidDocument naming it."""
    try:
        document = parse(source)
    except Exception as error:
        raise InvalidDocument(f"{name}: {error}") from error
    try:
        operation_of(document)
    except InvalidDocument as error:
        raise InvalidDocument(f"{name}: {error}") from None
    return document


def schema_errors(schema: GraphQLSchema, document: DocumentNode) -> list[str]:
    """What in ``document`` the schema lacks (empty when it validates)."""
    return [error.message for error in validate(schema, document)]


def validate_document(schema: GraphQLSchema, source: str, name: str) -> DocumentNode:
    """Parse and validate a document; raise InvalidDocument naming the file."""
    document = parse_document(source, name)
    errors = schema_errors(schema, document)
    if errors:
        raise InvalidDocument(f"{name}: " + "; ".join(errors))
    return document


def operation_of(document: DocumentNode) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        raise InvalidDocument("each document holds exactly one named operation")
    return operations[0]


class _SpreadNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spread_names(node: Node) -> set[str]:
    visitor = _SpreadNames()
    visit(node, visitor)
    return visitor.names


def load_fragments(folder: Path) -> dict[str, FragmentDefinitionNode]:
    """Every fragment in ``folder``/fragments/*.graphql, by name (files hold fragments only)."""
    shared: dict[str, FragmentDefinitionNode] = {}
    for path in sorted((folder / "fragments").glob("*.graphql")):
        name = f"{folder.name}/fragments/{path.name}"
        try:
            document = parse(path.read_text(encoding="utf-8"))
        except Exception as error:
            raise InvalidDocument(f"{name}: {error}") from error
        for definition in document.definitions:
            if not isinstance(definition, FragmentDefinitionNode):
                raise InvalidDocument(f"{name}: a fragments file holds fragments only")
            if definition.name.value in shared:
                raise InvalidDocument(f"{name}: fragment {definition.name.value} defined twice")
            shared[definition.name.value] = definition
    return shared


def with_fragments(
    document: DocumentNode, shared: dict[str, FragmentDefinitionNode]
) -> DocumentNode:
    """``document`` with the shared fragments it spreads (directly or through another) and does
    not define itself; an unknown name is left for validation to report."""
    defined = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    added: list[FragmentDefinitionNode] = []
    wanted = _spread_names(document) - defined
    while wanted:
        name = wanted.pop()
        fragment = shared.get(name)
        if fragment is None or name in defined:
            continue
        defined.add(name)
        added.append(fragment)
        wanted |= _spread_names(fragment) - defined
    if not added:
        return document
    return DocumentNode(definitions=(*document.definitions, *added))


class Documents:
    """Operation name -> parsed document (and its file name), for every file in a folder."""

    def __init__(self, folder: Path) -> None:
        self._documents: dict[str, DocumentNode] = {}
        self._files: dict[str, str] = {}
        shared = load_fragments(folder)
        for path in sorted(folder.glob("*.graphql")):
            document = parse_document(path.read_text(encoding="utf-8"), path.name)
            document = with_fragments(document, shared)
            name = operation_of(document).name
            assert name is not None
            self._documents[name.value] = document
            self._files[name.value] = f"{folder.name}/{path.name}"

    def __getitem__(self, operation_name: str) -> DocumentNode:
        return self._documents[operation_name]

    def is_query(self, operation_name: str) -> bool:
        return operation_of(self[operation_name]).operation is OperationType.QUERY

    def names(self) -> list[str]:
        return sorted(self._documents)

    def file_of(self, operation_name: str) -> str:
        """``graphql/order_details.graphql`` for ``OrderDetails``."""
        return self._files[operation_name]


@cache
def load_documents(folder: Path) -> Documents:
    return Documents(folder)

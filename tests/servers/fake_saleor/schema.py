"""Locate, load and cache the real Saleor GraphQL schema (built once per process)."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from graphql import DocumentNode, GraphQLEnumType, GraphQLSchema, build_schema, parse

_REPO_ROOT = Path(__file__).resolve().parents[3]
_PERMISSION_RE = re.compile(r"Requires one of the following permissions: ([A-Z_][A-Z_, ]*[A-Z_])")


def default_schema_path() -> Path:
    """`$SALEOR_SCHEMA_PATH`, else `<repo>/../shared/saleor/schema.graphql`."""
    env = os.environ.get("SALEOR_SCHEMA_PATH")
    if env:
        return Path(env)
    return _REPO_ROOT.parent / "shared" / "saleor" / "schema.graphql"


def shared_saleor_dir() -> Path:
    """Directory holding the schema and the recorded captures/responses."""
    return default_schema_path().parent


@lru_cache(maxsize=4)
def _load(path: str) -> GraphQLSchema:
    return build_schema(Path(path).read_text(encoding="utf-8"))


def load_schema(path: Path | None = None) -> GraphQLSchema:
    """Build (or reuse) the schema at `path`; building the 1 MB SDL takes ~1 s."""
    return _load(str(Path(path or default_schema_path()).resolve()))


def schema_without(type_name: str, field_name: str, path: Path | None = None) -> GraphQLSchema:
    """A fresh copy of the real schema lacking `type_name.field_name` (an older or trimmed
    Saleor), for testing that the app refuses a Saleor without a field it uses."""
    schema = build_schema(Path(path or default_schema_path()).read_text(encoding="utf-8"))
    fields = schema.type_map[type_name].fields  # type: ignore[union-attr]
    del fields[field_name]
    return schema


def enum_values(schema: GraphQLSchema, name: str) -> list[str]:
    """Names of the values of enum `name`."""
    enum = schema.get_type(name)
    if not isinstance(enum, GraphQLEnumType):
        raise LookupError(f"{name} is not an enum in the schema")
    return list(enum.values)


def permission_codes(schema: GraphQLSchema) -> list[str]:
    """All `PermissionEnum` values in schema order."""
    return enum_values(schema, "PermissionEnum")


@lru_cache(maxsize=4)
def field_permissions(schema: GraphQLSchema) -> dict[tuple[str, str], tuple[str, ...]]:
    """(type, field) -> permissions, read from "Requires one of the following permissions"."""
    guards: dict[tuple[str, str], tuple[str, ...]] = {}
    for type_name, gql_type in schema.type_map.items():
        for field_name, gql_field in (getattr(gql_type, "fields", None) or {}).items():
            match = _PERMISSION_RE.search(getattr(gql_field, "description", None) or "")
            if match:
                perms = tuple(p for p in re.split(r"[,\s]+", match.group(1)) if p)
                guards[(type_name, field_name)] = perms
    return guards


@lru_cache(maxsize=256)
def parse_cached(query: str) -> DocumentNode:
    """Parse a (webhook subscription) document once."""
    return parse(query)

"""Manifest validation the way Saleor 3.23 does it at install (InstallFailed on failure)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    validate,
)

from .models import SALEOR_VERSION, InstallFailed
from .schema import enum_values, permission_codes
from .versions import satisfies

TARGETS = ("POPUP", "APP_PAGE", "NEW_TAB", "WIDGET")
WEBHOOK_SCHEMES = ("http", "https", "awssqs", "gcpubsub")


def _fail(message: str, code: str = "INVALID") -> InstallFailed:
    return InstallFailed(message, code=code)


def _is_absolute_url(url: Any) -> bool:
    parts = urlsplit(url) if isinstance(url, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def check_permissions(perms: Any, schema: GraphQLSchema, what: str = "App") -> list[str]:
    """Every code must be a PermissionEnum value and not MANAGE_APPS."""
    if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
        raise _fail(f"{what} permissions must be a list of permission codes.")
    unknown = [p for p in perms if p not in permission_codes(schema)]
    if unknown:
        raise _fail(f"Given permissions don't exist: {', '.join(unknown)}.", "INVALID_PERMISSION")
    if "MANAGE_APPS" in perms:
        raise _fail(
            f"{what} cannot request MANAGE_APPS (out of scope permission).",
            "OUT_OF_SCOPE_PERMISSION",
        )
    return list(perms)


def _check_extension(
    ext: Any, app_perms: list[str], has_app_url: bool, schema: GraphQLSchema
) -> None:
    if not isinstance(ext, dict) or not ext.get("label") or not ext.get("mount"):
        raise _fail("Extension needs `label`, `mount` and `url`.", "REQUIRED")
    perms = check_permissions(ext.get("permissions", []), schema, "Extension")
    if not set(perms) <= set(app_perms):
        raise _fail(
            "Extension permission must be listed in App's permissions.", "OUT_OF_SCOPE_PERMISSION"
        )
    url = ext.get("url")
    relative_ok = has_app_url and isinstance(url, str) and url.startswith("/")
    if not (_is_absolute_url(url) or relative_ok):
        raise _fail(
            f"Incorrect extension url {url!r}: absolute, or relative ('/...') only when "
            "appUrl is set.",
            "INVALID_URL_FORMAT",
        )
    target = str(ext.get("target", "POPUP")).upper()
    if target not in TARGETS:
        raise _fail(f"Incorrect extension target {target!r}.")
    if target == "WIDGET" and not str(ext["mount"]).upper().endswith("_WIDGETS"):
        raise _fail(f"WIDGET target is not allowed on mount {ext['mount']!r}.")


def _camel_to_event(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def _fragment_types(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> list[str]:
    found: list[str] = []
    for selection in selection_set.selections if selection_set else []:
        if isinstance(selection, InlineFragmentNode) and selection.type_condition:
            found.append(selection.type_condition.name.value)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            fragment = fragments[selection.name.value]
            found.append(fragment.type_condition.name.value)
            found += _fragment_types(fragment.selection_set, fragments)
    return found


def infer_events(document: DocumentNode) -> list[str]:
    """Events named by the subscription (`... on OrderCreated` / `orderCreated { }`)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    events: list[str] = []
    for op in document.definitions:
        if not isinstance(op, OperationDefinitionNode):
            continue
        for root in op.selection_set.selections:
            if not isinstance(root, FieldNode):
                continue
            if root.name.value == "event":
                events += [
                    _camel_to_event(t) for t in _fragment_types(root.selection_set, fragments)
                ]
            else:
                events.append(_camel_to_event(root.name.value))
    return list(dict.fromkeys(events))


def check_subscription(query: Any, schema: GraphQLSchema) -> DocumentNode:
    """Parse + validate a webhook query; it must be a single subscription operation."""
    if not isinstance(query, str) or not query.strip():
        raise _fail("Webhook `query` is required.", "REQUIRED")
    return _checked_subscription(query, schema)


@lru_cache(maxsize=512)
def _checked_subscription(query: str, schema: GraphQLSchema) -> DocumentNode:
    """The check of one query against one schema, done once (every install sends the same)."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise _fail(f"Subscription query is not valid: {exc.message}", "INVALID") from exc
    errors = validate(schema, document)
    if errors:
        raise _fail(f"Subscription query is not valid: {errors[0].message}", "INVALID")
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(ops) != 1 or ops[0].operation != OperationType.SUBSCRIPTION:
        raise _fail("Subscription query is not valid: expected one subscription operation.")
    return document


def _check_webhook(hook: Any, schema: GraphQLSchema) -> dict[str, Any]:
    if not isinstance(hook, dict) or not hook.get("name") or not hook.get("targetUrl"):
        raise _fail("Webhook needs `name`, `targetUrl` and `query`.", "REQUIRED")
    if urlsplit(str(hook["targetUrl"])).scheme not in WEBHOOK_SCHEMES:
        raise _fail(f"Invalid webhook targetUrl {hook['targetUrl']!r}.", "INVALID_URL_FORMAT")
    document = check_subscription(hook.get("query"), schema)
    valid_async = enum_values(schema, "WebhookEventTypeAsyncEnum")
    async_events = hook.get("asyncEvents") or []
    if any(e not in valid_async for e in async_events):
        raise _fail("Invalid asynchronous event.", "INVALID")
    sync_events = hook.get("syncEvents") or []
    if any(e not in enum_values(schema, "WebhookEventTypeSyncEnum") for e in sync_events):
        raise _fail("Invalid synchronous event.", "INVALID")
    if not async_events and not sync_events:
        async_events = [e for e in infer_events(document) if e in valid_async]
    headers = hook.get("customHeaders") or {}
    if len(headers) > 5 or any(
        not (k.lower().startswith(("x-", "authorization")) or k.lower() == "brokerproperties")
        for k in headers
    ):
        raise _fail("Invalid custom headers.", "INVALID_CUSTOM_HEADERS")
    return {
        **hook,
        "asyncEvents": list(async_events),
        "syncEvents": list(sync_events),
        "isActive": hook.get("isActive", True),
    }


def validate_manifest(manifest: Any, schema: GraphQLSchema) -> list[dict[str, Any]]:
    """Raise InstallFailed for anything Saleor refuses; return the cleaned webhooks."""
    if not isinstance(manifest, dict):
        raise _fail("Incorrect structure of manifest (not a JSON object).")
    missing = [k for k in ("id", "version", "name") if not manifest.get(k)]
    if missing:
        raise _fail(f"Manifest is missing required field(s): {', '.join(missing)}.", "REQUIRED")
    app_perms = check_permissions(manifest.get("permissions", []), schema)
    if "author" in manifest and not str(manifest["author"] or "").strip():
        raise _fail("Author can't be blank.")
    required = manifest.get("requiredSaleorVersion")
    if required:
        try:
            ok = satisfies(SALEOR_VERSION, str(required))
        except ValueError as exc:
            raise _fail(f"Incorrect requiredSaleorVersion {required!r}.") from exc
        if not ok:
            raise _fail(
                f"Saleor version {SALEOR_VERSION} is not supported by the app "
                f"(requires {required}).",
                "UNSUPPORTED_SALEOR_VERSION",
            )
    token_url = manifest.get("tokenTargetUrl")
    if token_url is not None and not _is_absolute_url(token_url):
        raise _fail(f"Incorrect tokenTargetUrl {token_url!r}.", "INVALID_URL_FORMAT")
    for ext in manifest.get("extensions") or []:
        _check_extension(ext, app_perms, bool(manifest.get("appUrl")), schema)
    return [_check_webhook(hook, schema) for hook in manifest.get("webhooks") or []]

"""Every document the app sends or subscribes with is valid against Saleor's real schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.adapters.saleor.documents import (
    InvalidDocument,
    load_documents,
    load_schema,
    operation_of,
    validate_document,
)
from tests.conftest import ROOT, SCHEMA_PATH

DOCUMENTS = sorted((ROOT / "graphql").glob("*.graphql")) + sorted(
    (ROOT / "webhooks").glob("*.graphql")
)


def test_there_are_documents():
    assert {p.name for p in DOCUMENTS} >= {
        "app_id.graphql",
        "order_details.graphql",
        "order_created.graphql",
    }


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_document_is_valid_against_the_schema(path: Path):
    document = validate_document(load_schema(SCHEMA_PATH), path.read_text(), path.name)

    expected = "subscription" if path.parent.name == "webhooks" else ("query", "mutation")
    assert operation_of(document).operation.value in expected


@pytest.mark.parametrize(
    "path", sorted((ROOT / "webhooks").glob("*.graphql")), ids=lambda p: p.name
)
def test_subscription_asks_for_issuing_principal_and_recipient(path: Path):
    text = path.read_text()

    assert "issuingPrincipal" in text and "recipient" in text


@pytest.mark.parametrize(
    "path", sorted((ROOT / "webhooks").glob("*.graphql")), ids=lambda p: p.name
)
def test_subscription_names_its_event_inside_the_signed_body(path: Path):
    document = validate_document(load_schema(SCHEMA_PATH), path.read_text(), path.name)
    [event] = operation_of(document).selection_set.selections

    top_level = [
        field.name.value for field in event.selection_set.selections if hasattr(field, "name")
    ]

    assert event.name.value == "event"
    assert "__typename" in top_level


def test_an_invalid_document_is_rejected_with_its_name():
    with pytest.raises(InvalidDocument) as raised:
        validate_document(
            load_schema(SCHEMA_PATH), "query X { order(id: 1) { nope } }", "x.graphql"
        )

    assert str(raised.value).startswith("x.graphql: ")


def test_client_loads_every_operation_by_name():
    documents = load_documents(ROOT / "graphql")

    assert documents.names() == [
        "AppId",
        "AppWebhooks",
        "CustomerOrderCount",
        "FulfillmentApprove",
        "FulfillmentCancel",
        "FulfillmentUpdateTracking",
        "OrderCancel",
        "OrderConfirm",
        "OrderDetails",
        "OrderFulfill",
        "OrderFulfillments",
        "OrderPayments",
        "OrderPrivateMetafield",
        "OrderRisk",
        "OrderWriteBack",
        "ProductVariants",
        "ShopVersion",
        "TransactionRequestAction",
        "VariantsBySku",
        "Warehouses",
        "WebhookCreate",
        "WebhookUpdate",
    ]
    assert documents.is_query("OrderDetails")


ORDER_MUTATIONS = (
    "order_confirm.graphql",
    "order_fulfill.graphql",
    "fulfillment_cancel.graphql",
    "fulfillment_approve.graphql",
    "order_cancel.graphql",
)


def _fragments(path: Path) -> dict[str, str]:
    from graphql import FragmentDefinitionNode, parse, print_ast

    document = parse(path.read_text())
    return {
        d.name.value: print_ast(d)
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }


@pytest.mark.parametrize("name", ORDER_MUTATIONS)
def test_order_mutations_answer_the_order_as_order_details_reads_it(name):
    """The app updates its copy from these answers, so they must hold the same fields."""
    details = _fragments(ROOT / "graphql" / "order_details.graphql")
    mutation = _fragments(ROOT / "graphql" / name)

    assert mutation["OrderFields"] == details["OrderFields"]
    assert mutation["AddressFields"] == details["AddressFields"]
    assert "...OrderFields" in (ROOT / "graphql" / name).read_text()

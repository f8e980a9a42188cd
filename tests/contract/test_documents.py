"""Every document the app sends or subscribes with is valid against Saleor's real schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import FragmentDefinitionNode

from app.adapters.saleor.documents import (
    InvalidDocument,
    load_documents,
    load_fragments,
    load_schema,
    operation_of,
    schema_errors,
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
    documents = load_documents(path.parent)
    [name] = [n for n in documents.names() if documents.file_of(n).endswith(f"/{path.name}")]
    document = documents[name]
    assert schema_errors(load_schema(SCHEMA_PATH), document) == []

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


@pytest.mark.parametrize("name", ORDER_MUTATIONS)
def test_order_mutations_answer_the_order_as_order_details_reads_it(name):
    """The app updates its copy from these answers, so they spread the one shared OrderFields."""
    text = (ROOT / "graphql" / name).read_text()

    assert "...OrderFields" in text
    assert "fragment OrderFields" not in text  # defined once, in graphql/fragments/


def test_a_shared_fragment_is_added_to_each_document_that_spreads_it():
    documents = load_documents(ROOT / "graphql")

    def defined(operation):
        return sorted(
            d.name.value
            for d in documents[operation].definitions
            if isinstance(d, FragmentDefinitionNode)
        )

    assert defined("OrderDetails") == ["AddressFields", "OrderFields"]  # one through the other
    assert defined("TransactionRequestAction") == ["PaymentTransaction"]
    assert defined("AppId") == []


def test_a_fragments_file_holding_an_operation_is_refused(tmp_path):
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "bad.graphql").write_text("query Q { shop { name } }")

    with pytest.raises(InvalidDocument, match=r"fragments/bad\.graphql: a fragments file"):
        load_fragments(tmp_path)

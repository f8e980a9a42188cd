"""Replaying the real Saleor recordings (shared/saleor/responses/*.json) against the fake.

Ids Saleor generated (fulfilments, their lines, events, transactions) differ in the fake, so
`Replay` learns recorded id -> fake id from each answer and rewrites the next requests and the
expected bodies with that map. Everything else must be equal; `extensions.cost` is not compared.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from .data import from_global_id
from .schema import shared_saleor_dir

GENERATED_TYPES = frozenset(
    {"Fulfillment", "FulfillmentLine", "OrderEvent", "TransactionItem", "TransactionEvent"}
)


def recorded(name: str) -> dict[str, Any]:
    """One recorded request/response file."""
    return json.loads((shared_saleor_dir() / "responses" / name).read_text())


def recorded_data(name: str) -> Any:
    """`response.data` of a recording (e.g. an order to seed the fake with)."""
    return recorded(name)["response"]["data"]


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The parts of a GraphQL body the fake reproduces exactly: `data` and `errors`."""
    return {key: body[key] for key in ("data", "errors") if key in body}


class Replay:
    """Send recorded requests with one token and compare the answers with the recordings."""

    def __init__(self, api_url: str, token: str | None, ids: dict[str, str] | None = None) -> None:
        self.api_url, self.token = api_url, token
        self.ids: dict[str, str] = dict(ids or {})

    def remap(self, value: Any) -> Any:
        """`value` with every recorded id replaced by the fake's id."""
        text = json.dumps(value)
        for recorded_id, fake_id in self.ids.items():
            text = text.replace(f'"{recorded_id}"', f'"{fake_id}"')
        return json.loads(text)

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a GraphQL request; returns the JSON body."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = requests.post(
            self.api_url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=5,
        )
        return response.json()

    def run(self, name: str, **variables: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """(fake answer, recorded answer) for recording `name`, ids mapped; `variables` override."""
        record = recorded(name)
        request = self.remap(record["request"])
        actual = comparable(self.post(request["query"], {**request["variables"], **variables}))
        expected = comparable(record["response"])
        self._learn(expected, actual)
        return actual, self.remap(expected)

    def _learn(self, expected: Any, actual: Any, key: str = "") -> None:
        if isinstance(expected, dict) and isinstance(actual, dict):
            for name in expected.keys() & actual.keys():
                self._learn(expected[name], actual[name], name)
        elif isinstance(expected, list) and isinstance(actual, list):
            for expected_item, actual_item in zip(expected, actual, strict=False):
                self._learn(expected_item, actual_item, key)
        elif key == "id" and isinstance(expected, str) and isinstance(actual, str):
            decoded, ours = from_global_id(expected), from_global_id(actual)
            new = expected not in self.ids and actual not in self.ids.values()
            if decoded and ours and decoded[0] in GENERATED_TYPES and decoded[0] == ours[0] and new:
                self.ids[expected] = actual  # one-to-one and same type, or the comparison fails

"""The vendor API's OpenAPI description: served as stored in the repository, valid OpenAPI 3.1,
naming exactly the routes the app has; and Schemathesis, run against the live app with a valid
key, finds no server error and no answer the description does not allow."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.web.vendor_api_setup import API, vendor_api_shop

SPEC_PATH = Path(__file__).resolve().parents[3] / "docs" / "schemas" / "vendor-api.openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _spec():
    return json.loads(SPEC_PATH.read_text())


def test_the_served_description_is_the_repositorys_and_valid_openapi_3_1(live_app):
    served = requests.get(f"{live_app.url}{API}/openapi.json", timeout=5)

    assert served.status_code == 200
    assert served.headers["Content-Type"] == "application/json"
    assert served.json() == _spec()
    assert served.json()["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(_spec()).validate()  # the OpenAPI 3.1 meta-schema


def test_the_description_names_exactly_the_apps_routes(live_app):
    documented = {
        (f"{API}{path}", method.upper())
        for path, item in _spec()["paths"].items()
        for method in item
        if method != "parameters"
    }
    routes = {
        (str(rule).replace("<po_number>", "{po_number}"), method)
        for rule in live_app.flask.url_map.iter_rules()
        if rule.endpoint.startswith("vendor_api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    assert routes == documented


def test_schemathesis_finds_no_server_error_and_only_documented_answers(live_app):
    shop = vendor_api_shop(live_app)
    live_app.container.settings = replace(
        live_app.container.settings,
        vendor_api_requests_per_minute=100_000,
        vendor_api_auth_failures_per_minute=100_000,
    )
    schema = schemathesis.openapi.from_url(f"{live_app.url}{API}/openapi.json")
    base_url = f"{live_app.url}{API}"
    auth = {"Authorization": f"Bearer {shop.acme_key}"}
    cases = st.one_of(
        schema.as_strategy(schemathesis.GenerationMode.POSITIVE),
        schema.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )

    @given(case=cases, on_the_real_po=st.booleans())
    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, on_the_real_po):
        if on_the_real_po and case.path_parameters and "po_number" in case.path_parameters:
            case.path_parameters["po_number"] = shop.po.number  # reach the validation rules
        case.call_and_validate(base_url=base_url, headers=auth, checks=CHECKS, timeout=10)

    run()

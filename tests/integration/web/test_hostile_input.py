"""Hostile input on the dashboard pages: formula cells, floods of bad rows, control characters."""

from __future__ import annotations

import html
import re

import pytest
import requests

from tests.html import text
from tests.integration.web.test_vendor_pages import (
    _add_vendor,
    _get,
    _post,
    _vendor_form,
    _vendors,
    staff,  # noqa: F401 (fixture)
)
from tests.servers.fake_saleor import SigningKey


def test_vendor_export_neutralises_formula_cells(staff):  # noqa: F811
    fake, live, context = staff
    _add_vendor(live, fake, name='=HYPERLINK("http://evil.test")', po_notes="@SUM(A1)")
    _add_vendor(live, fake, name="+1 Supplies", code="PLUS", po_notes="-2+3")

    response = _get(live, context, "/app/vendors/export")

    rows = response.text.splitlines()[1:]
    assert rows == [
        "PLUS,'+1 Supplies,USD,email,o@acme.test,,pdf,0,'-2+3,yes",
        'ACME,"\'=HYPERLINK(""http://evil.test"")",USD,email,o@acme.test,,pdf,0,\'@SUM(A1),yes',
    ]


def test_an_import_with_thousands_of_bad_rows_lists_50_errors_and_how_many_more(staff):  # noqa: F811
    fake, live, context = staff
    csv_text = "code,name,currency,emails_to\n" + "bad code!,Bad,USD,b@bad.test\n" * 3000

    response = _post(live, context, "/app/vendors/import", {"text": csv_text})

    assert response.status_code == 400
    items = [html.unescape(i) for i in re.findall(r"<li>([^<]*)</li>", response.text)]
    assert len(items) == 51
    assert items[0] == "Row 2: code: Use 1-20 letters, digits, - or _ (for example ACME)."
    assert items[-1] == "… and 2950 more."
    assert _vendors(live, fake) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("name", "Acme\x00Supply", id="nul_in_name_case"),
        pytest.param("code", "AC\tME", id="tab_in_single_line_case"),
        pytest.param("po_notes", "Ring\x1btwice", id="escape_in_notes_case"),
    ],
)
def test_control_characters_in_a_field_are_a_field_error(staff, field, value):  # noqa: F811
    fake, live, context = staff

    response = _post(live, context, "/app/vendors/new", _vendor_form(**{field: value}))

    assert response.status_code == 400
    assert text(response.text, f"{field}-error") == (
        "Remove the control characters (such as NUL) from this field."
    )
    assert _vendors(live, fake) == []


def test_multi_line_notes_keep_tabs_and_line_breaks(staff):  # noqa: F811
    fake, live, context = staff

    response = _post(
        live, context, "/app/vendors/new", _vendor_form(po_notes="Ring\ttwice\r\nThen wait.")
    )

    assert response.status_code in (200, 302, 303)
    [vendor] = _vendors(live, fake)
    assert vendor.po_notes == "Ring\ttwice\nThen wait."


@pytest.mark.parametrize(
    "files_or_data",
    [
        pytest.param({"data": {"text": "code,name,currency\nA\x00,B,USD\n"}}, id="pasted_nul_case"),
        pytest.param(
            {"files": {"file": ("v.csv", b"code,name,currency\nA,B\x00,USD\n", "text/csv")}},
            id="uploaded_nul_case",
        ),
    ],
)
def test_csv_with_a_nul_is_refused_naming_the_line(staff, files_or_data):  # noqa: F811
    fake, live, context = staff

    response = _post(live, context, "/app/vendors/import", **files_or_data)

    assert response.status_code == 400
    assert text(response.text, "file-error") == (
        "Line 2 holds a control character (such as NUL): remove it."
    )
    assert _vendors(live, fake) == []


def test_any_other_posted_field_with_a_nul_is_400(staff):  # noqa: F811
    fake, live, context = staff

    response = _post(live, context, "/app/vendors/new", {"unexpected": "x\x00y"})

    assert response.status_code == 400
    assert "control characters" in response.text
    assert _vendors(live, fake) == []


def _widget_post(live, fake, app, **headers):
    token = fake.issue_dashboard_token(app)
    return requests.post(
        f"{live.url}/widgets/order",
        data={"saleorApiUrl": fake.api_url, "accessToken": token, "orderId": "T3JkZXI6MQ=="},
        headers=headers,
        timeout=10,
    )


def test_framed_pages_name_only_the_installed_dashboards(installed):
    fake, live, app = installed
    api_origin = fake.api_url.removesuffix("/graphql/")

    response = _widget_post(live, fake, app, Origin="https://dashboard.shop.test")

    assert response.headers["Content-Security-Policy"] == (
        f"frame-ancestors {api_origin} https://dashboard.shop.test"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_forged_widget_post_does_not_widen_framing(installed):
    fake, live, app = installed
    forged = fake.issue_dashboard_token(app, key_override=SigningKey.generate())

    response = requests.post(
        f"{live.url}/widgets/order",
        data={"saleorApiUrl": fake.api_url, "accessToken": forged},
        headers={"Origin": "https://evil.test"},
        timeout=10,
    )

    assert response.status_code == 401
    assert "evil.test" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "/privacy", id="public_page_case"),
        pytest.param("get", "/api/manifest", id="api_json_case"),
        pytest.param("get", "/healthz", id="health_case"),
    ],
)
def test_pages_never_framed_say_none_and_nosniff(installed, method, path):
    fake, live, app = installed

    response = getattr(requests, method)(f"{live.url}{path}", timeout=10)

    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_data_free_shell_may_be_framed_by_its_referrer_and_nothing_else_is(installed):
    fake, live, app = installed
    api_origin = fake.api_url.removesuffix("/graphql/")
    referrer = {"Referer": "https://dashboard.shop.test/"}

    shell = requests.get(f"{live.url}/app", headers=referrer, timeout=10)
    tab = requests.get(f"{live.url}/app/vendors", headers=referrer, timeout=10)

    assert shell.headers["Content-Security-Policy"] == (
        f"frame-ancestors {api_origin} https://dashboard.shop.test"
    )
    assert tab.headers["Content-Security-Policy"] == f"frame-ancestors {api_origin}"

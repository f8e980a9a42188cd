"""An HTTP vendor's endpoint: https to a public host, unless the deployment allows private
hosts (then plain http too, to those only)."""

from __future__ import annotations

import pytest

from app.domain.errors import DomainValidationError
from app.domain.vendor_http import (
    EndpointPolicy,
    HttpEndpoint,
    clean_endpoint_url,
    clean_http_endpoint,
    is_private_host,
)

STRICT = EndpointPolicy()
PRIVATE_ALLOWED = EndpointPolicy(private_hosts_allowed=True)


def test_a_public_https_url_is_kept_as_given():
    url = "https://orders.vendor.example:8443/api/po?shop=polygon"

    assert clean_endpoint_url(f"  {url} ", STRICT) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("http://orders.vendor.example/po", "Use https"),
        ("ftp://orders.vendor.example/po", "Enter a full URL"),
        ("orders.vendor.example/po", "Enter a full URL"),
        ("https://user:pw@orders.vendor.example/po", "Leave user names and passwords out"),
        ("https://orders.vendor.example/po#x", "Leave the #fragment out"),
        ("https://orders.vendor.example:99999/po", "not a valid URL"),
        ("https://orders.vendor.example/p o", "spaces or control characters"),
        ("https://" + "a" * 500 + ".example/", "at most 500"),
    ],
    ids=[
        "empty_case",
        "plain_http_case",
        "other_scheme_case",
        "no_scheme_case",
        "credentials_case",
        "fragment_case",
        "bad_port_case",
        "space_case",
        "too_long_case",
    ],
)
def test_bad_urls_are_refused_with_a_reason(url, message):
    with pytest.raises(ValueError, match=message):
        clean_endpoint_url(url, STRICT)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "api.localhost",
        "10.1.2.3",
        "192.168.0.7",
        "169.254.169.254",
        "[::1]",
        "[fe80::1]",
        "0.0.0.0",
    ],
    ids=[
        "loopback_case",
        "localhost_case",
        "dot_localhost_case",
        "private_10_case",
        "private_192_case",
        "link_local_metadata_case",
        "ipv6_loopback_case",
        "ipv6_link_local_case",
        "unspecified_case",
    ],
)
def test_private_hosts_are_refused_unless_the_deployment_allows_them(host):
    url = f"https://{host}:8443/po"

    with pytest.raises(ValueError, match="loopback, private or link-local"):
        clean_endpoint_url(url, STRICT)
    assert clean_endpoint_url(url, PRIVATE_ALLOWED) == url


def test_plain_http_is_allowed_only_to_private_hosts_of_a_deployment_that_allows_them():
    assert clean_endpoint_url("http://127.0.0.1:9000/po", PRIVATE_ALLOWED) == (
        "http://127.0.0.1:9000/po"
    )
    with pytest.raises(ValueError, match="Use https"):
        clean_endpoint_url("http://orders.vendor.example/po", PRIVATE_ALLOWED)


def test_public_addresses_and_names_are_not_private():
    assert not is_private_host("93.184.215.14")
    assert not is_private_host("orders.vendor.example")
    assert not is_private_host("[2606:4700::1111]")


def test_clean_http_endpoint_keeps_the_secret_and_checks_the_timeout():
    current = HttpEndpoint(url="https://old.example/po", signing_secret="dsk_x", timeout_seconds=7)

    cleaned = clean_http_endpoint(
        {"http_url": "https://new.example/po", "http_timeout_seconds": "15"}, current, STRICT
    )

    assert cleaned == HttpEndpoint("https://new.example/po", "dsk_x", 15)
    assert "dsk_x" not in repr(cleaned)
    with pytest.raises(DomainValidationError) as raised:
        clean_http_endpoint(
            {"http_url": "http://x.example", "http_timeout_seconds": "31"}, current, STRICT
        )
    assert set(raised.value.errors) == {"http_url", "http_timeout_seconds"}
    assert (
        clean_http_endpoint({"http_url": "https://x.example/"}, current, STRICT).timeout_seconds
        == 7
    )

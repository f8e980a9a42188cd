from app.adapters.db.installation_cache import InstallationCache
from app.domain.installations import Installation, SaleorApiUrl

URL = "https://shop.example.com/graphql/"


def _installation() -> Installation:
    return Installation(saleor_api_url=SaleorApiUrl(URL), app_id="QXBwOjE=", token="t", jwks={})


def test_entry_is_served_until_its_ttl_then_dropped():
    now = [100.0]
    cache = InstallationCache(ttl_seconds=5, clock=lambda: now[0])
    installation = _installation()
    cache.put(installation)

    now[0] = 104.9
    assert cache.get(URL) is installation
    now[0] = 105.1
    assert cache.get(URL) is None


def test_clear_drops_everything():
    cache = InstallationCache(ttl_seconds=5)
    cache.put(_installation())

    cache.clear()

    assert cache.get(URL) is None

import pytest

from app.settings import ConfigurationError, load_settings

BASE = {"APP_VAR_DIR": "/tmp/dropship-settings-test"}
PRODUCTION = {
    **BASE,
    "APP_ENV": "production",
    "SECRET_KEY": "a-production-secret-key",
    "ALLOWED_SALEOR_API_URLS": r"https://.*\.saleor\.cloud/graphql/",
    "APP_URL": "https://dropship.example.com",
}


def test_development_defaults_need_no_configuration():
    settings = load_settings(BASE)

    assert settings.database_url == "sqlite:////tmp/dropship-settings-test/dropship.sqlite"
    assert settings.celery_broker_url == "sqla+sqlite:////tmp/dropship-settings-test/celery.sqlite"
    assert settings.allowed_saleor_api_urls.fullmatch("http://localhost:8000/graphql/")
    assert not settings.allowed_saleor_api_urls.fullmatch("https://evil.example.com/graphql/")


def test_production_reads_every_variable():
    settings = load_settings(
        {**PRODUCTION, "DATABASE_URL": "postgresql://db/x", "CELERY_BROKER_URL": "redis://r:6379/0"}
    )

    assert (settings.app_url, settings.database_url, settings.celery_broker_url) == (
        "https://dropship.example.com",
        "postgresql://db/x",
        "redis://r:6379/0",
    )
    assert settings.allowed_saleor_api_urls.fullmatch("https://shop.saleor.cloud/graphql/")


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        pytest.param({"SECRET_KEY": ""}, "SECRET_KEY", id="missing_secret_case"),
        pytest.param({"SECRET_KEY": "short"}, "SECRET_KEY", id="short_secret_case"),
        pytest.param(
            {"ALLOWED_SALEOR_API_URLS": ""}, "ALLOWED_SALEOR_API_URLS", id="missing_allow_list_case"
        ),
        pytest.param(
            {"ALLOWED_SALEOR_API_URLS": "(["}, "ALLOWED_SALEOR_API_URLS", id="bad_regex_case"
        ),
        pytest.param({"APP_URL": "dropship.example.com"}, "APP_URL", id="relative_app_url_case"),
        pytest.param(
            {"DATABASE_URL": "dropship.sqlite"}, "DATABASE_URL", id="bad_database_url_case"
        ),
        pytest.param({"CELERY_BROKER_URL": "localhost"}, "CELERY_BROKER_URL", id="bad_broker_case"),
        pytest.param(
            {"SECRET_KEY": "a-production-secret-key,short"}, "SECRET_KEY", id="short_old_key_case"
        ),
        pytest.param({"METRICS_TOKEN": "short"}, "METRICS_TOKEN", id="short_metrics_token_case"),
        pytest.param(
            {"PROMETHEUS_MULTIPROC_DIR": "/nope/metrics"},
            "PROMETHEUS_MULTIPROC_DIR",
            id="no_metrics_dir_case",
        ),
        pytest.param(
            {"MAX_WEBHOOK_BODY_BYTES": "-1"}, "MAX_WEBHOOK_BODY_BYTES", id="negative_limit_case"
        ),
        pytest.param(
            {"OUTBOUND_TIMEOUT_SECONDS": "soon"}, "OUTBOUND_TIMEOUT_SECONDS", id="not_a_number_case"
        ),
        pytest.param({"APP_ENV": "staging"}, "APP_ENV", id="unknown_env_case"),
        pytest.param({"CELERY_ALWAYS_EAGER": "maybe"}, "CELERY_ALWAYS_EAGER", id="bad_bool_case"),
        pytest.param({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", id="bad_log_level_case"),
    ],
)
def test_bad_configuration_names_the_variable(changes, variable):
    with pytest.raises(ConfigurationError) as raised:
        load_settings({**PRODUCTION, **changes})

    assert str(raised.value).startswith(variable)


def test_no_schema_file_is_needed_outside_the_repository():
    settings = load_settings({"APP_VAR_DIR": "/tmp/dropship-settings-test"})

    assert not hasattr(settings, "schema_path")
    assert settings.graphql_dir.is_relative_to(settings.manifest_path.parent)


def test_secret_key_lists_keys_first_one_first():
    settings = load_settings({**PRODUCTION, "SECRET_KEY": "new-key-0123456789, old-key-0123456789"})

    assert settings.secret_keys == ("new-key-0123456789", "old-key-0123456789")


def test_vendor_portal_limits_and_trusted_proxies_have_defaults_and_are_read():
    default = load_settings(BASE)
    changed = load_settings(
        {
            **BASE,
            "PORTAL_REQUESTS_PER_TOKEN": "5",
            "PORTAL_REQUESTS_PER_ADDRESS": "50",
            "PORTAL_RATE_WINDOW_SECONDS": "60",
            "TRUSTED_PROXY_COUNT": "1",
        }
    )

    assert (default.portal_requests_per_token, default.portal_requests_per_address) == (120, 600)
    assert (default.portal_rate_window_seconds, default.trusted_proxy_count) == (600, 0)
    assert (changed.portal_requests_per_token, changed.portal_requests_per_address) == (5, 50)
    assert (changed.portal_rate_window_seconds, changed.trusted_proxy_count) == (60, 1)


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        pytest.param("PORTAL_REQUESTS_PER_TOKEN", "0", id="no_requests_case"),
        pytest.param("TRUSTED_PROXY_COUNT", "-1", id="negative_proxies_case"),
        pytest.param("TRUSTED_PROXY_COUNT", "one", id="word_case"),
    ],
)
def test_bad_portal_settings_name_the_variable(variable, raw):
    with pytest.raises(ConfigurationError, match=variable):
        load_settings({**BASE, variable: raw})

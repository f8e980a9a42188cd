import pytest

from app.settings import ConfigurationError, load_settings
from tests.conftest import SCHEMA_PATH

BASE = {"SALEOR_SCHEMA_PATH": str(SCHEMA_PATH), "APP_VAR_DIR": "/tmp/dropship-settings-test"}
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
            {"SALEOR_SCHEMA_PATH": "/nope.graphql"}, "SALEOR_SCHEMA_PATH", id="no_schema_case"
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

"""Saleor Drop-ship: the Flask application factory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from app.bootstrap import Container
    from app.settings import Settings


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    """Build the web app: settings from the environment unless given, adapters from bootstrap."""
    from app.adapters.logs import configure_logging, never_log
    from app.bootstrap import build_container
    from app.settings import load_settings
    from app.web import register_blueprints

    settings = settings or (container.settings if container else load_settings())
    configure_logging(settings.log_level, json_lines=settings.environment == "production")
    never_log(
        *settings.secret_keys,
        settings.smtp_password,
        settings.metrics_token,
        settings.stripe_secret_key,
        settings.stripe_webhook_secret,
    )
    flask_app = Flask(
        __name__,
        static_folder=str(settings.dashboard_dir / "static"),
        static_url_path="/static",
        template_folder=str(settings.dashboard_dir / "templates"),
    )
    flask_app.config.update(
        SECRET_KEY=settings.secret_keys[0],
        SECRET_KEY_FALLBACKS=list(settings.secret_keys[1:]),
        JSON_SORT_KEYS=False,
        # CSV uploads are capped at 2 MB by the pages; nothing larger is ever read.
        MAX_CONTENT_LENGTH=4 * 1024 * 1024 + settings.max_webhook_body_bytes,
    )
    flask_app.url_map.strict_slashes = False
    flask_app.extensions["container"] = container or build_container(settings)
    register_blueprints(flask_app)
    if settings.trusted_proxy_count:  # the client's address for the vendor portal's limits
        from werkzeug.middleware.proxy_fix import ProxyFix

        flask_app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            flask_app.wsgi_app, x_for=settings.trusted_proxy_count
        )
    from app.cli import register_commands

    register_commands(flask_app)
    return flask_app

"""The served manifest: manifest.json with absolute URLs and the subscriptions from webhooks/."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

# An APP_PAGE extension's URL is a path under appUrl, never absolute. Saleor 3.23.28
# (saleor/app/manifest_validations.py, _clean_extension_url, lines 53-61): "url cannot start
# with protocol when target == APP_PAGE"; dashboard 3.23.27
# (src/extensions/domain/app-extension-manifest.ts, lines 58-75): 'APP_PAGE type of extension
# must start with "/"'. The dashboard opens it at appUrl joined with that path
# (src/extensions/urls.ts, resolveAppCompleteUrlFromDashboardUrl, lines 236-244).
APP_PAGE = "APP_PAGE"


def _absolute(app_url: str, url: str) -> str:
    return url if "://" in url else f"{app_url}{url}"


def app_version() -> str:
    """The version in pyproject.toml, as installed."""
    return metadata.version("saleor-dropship")


def _extension_url(app_url: str, extension: dict[str, Any]) -> str:
    """APP_PAGE URLs stay paths under appUrl; every other target gets an absolute URL."""
    url = str(extension["url"])
    return url if extension.get("target") == APP_PAGE else _absolute(app_url, url)


def build_manifest(manifest_path: Path, webhooks_dir: Path, app_url: str) -> dict[str, Any]:
    """Saleor follows no redirects and needs absolute URLs, so every URL is made absolute.

    The exception is an APP_PAGE extension, which Saleor and the dashboard want as a path
    under appUrl.
    """
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["version"] = app_version()
    for key in ("appUrl", "tokenTargetUrl", "dataPrivacyUrl", "homepageUrl", "supportUrl"):
        manifest[key] = _absolute(app_url, manifest[key])
    logo = manifest["brand"]["logo"]
    logo["default"] = _absolute(app_url, logo["default"])
    for extension in manifest["extensions"]:
        extension["url"] = _extension_url(app_url, extension)
    for webhook in manifest["webhooks"]:
        webhook["targetUrl"] = _absolute(app_url, webhook["targetUrl"])
        webhook["query"] = (webhooks_dir / webhook["query"]).read_text(encoding="utf-8").strip()
        webhook.setdefault("isActive", True)
    return manifest

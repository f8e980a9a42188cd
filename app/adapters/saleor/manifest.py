"""The served manifest: manifest.json with absolute URLs and the subscriptions from webhooks/."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any


def _absolute(app_url: str, url: str) -> str:
    return url if "://" in url else f"{app_url}{url}"


def app_version() -> str:
    """The version in pyproject.toml, as installed."""
    return metadata.version("saleor-dropship")


def build_manifest(manifest_path: Path, webhooks_dir: Path, app_url: str) -> dict[str, Any]:
    """Saleor follows no redirects and needs absolute URLs, so every URL is made absolute."""
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["version"] = app_version()
    for key in ("appUrl", "tokenTargetUrl", "dataPrivacyUrl", "homepageUrl", "supportUrl"):
        manifest[key] = _absolute(app_url, manifest[key])
    logo = manifest["brand"]["logo"]
    logo["default"] = _absolute(app_url, logo["default"])
    for extension in manifest["extensions"]:
        extension["url"] = _absolute(app_url, extension["url"])
    for webhook in manifest["webhooks"]:
        webhook["targetUrl"] = _absolute(app_url, webhook["targetUrl"])
        webhook["query"] = (webhooks_dir / webhook["query"]).read_text(encoding="utf-8").strip()
        webhook.setdefault("isActive", True)
    return manifest

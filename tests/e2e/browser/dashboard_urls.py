"""What Saleor Dashboard 3.23.27 loads for an app extension, by target: a model for the harness.

Every reference is to saleor/saleor-dashboard at tag 3.23.27 (paths under src/) unless it names
another repository. The dashboard reads each extension's raw `url`, `targetName`, `settings` and
its app's `appUrl` from Saleor's `appExtensions` query (Saleor stores the manifest's URL as given).

* WIDGET (POST): a hidden form posted into the widget's iframe
  (extensions/components/AppWidgets/AppWidgetExtensionItem.tsx 87-107, IframePost/IframePost.tsx
  56 and 101-108).
* APP_PAGE: the menu item (components/Sidebar/menu/utils.ts 43-63; SingleItem.tsx 14-33) runs
  `extension.open()` (extensions/hooks/useExtensions.ts 94-148), which navigates to the deep
  dashboard path `resolveAppDeepUrl(id, url, params)` (AppExtensionContext/
  AppExtensionContextProvider.tsx 64-71; extensions/urls.ts 37-38, 162-163). That route renders
  ViewManifestExtensionIframe (extensions/index.tsx 168-171; views/ViewManifestExtension/
  ViewManifestExtensionIframe.tsx 48-62), whose iframe loads
  `resolveAppCompleteUrlFromDashboardUrl(pathname, appUrl, id)` (urls.ts 236-244) through
  AppFrame/AppIFrame (AppFrame.tsx 37, 54, 116-121; AppIFrame.tsx 30-40 -> urls.ts 189-217).
  Extensions -> Installed opens `/extensions/app/<id>` (utils/resolveInstalledAppHref.ts 45),
  the same view with no deep path: the iframe loads appUrl.
* POPUP: `open()` keeps the raw URL as the frame's src (useExtensions.ts 140-148;
  AppExtensionContextProvider.tsx 35-45); AppFrame takes `new URL(src).origin` (AppFrame.tsx 37,
  54), so a relative POPUP URL throws.
* NEW_TAB: `appUrl + url` (string concatenation, not url-join), opened by GET with the params in
  the query or by a POSTed form (useExtensions.ts 112-138; new-tab-actions.ts 50-87). The harness
  loads it in its frame instead of a new tab: the request is the same.

Left out: the dashboard's own `featureFlags[...]` query parameters (the app ignores them) and
history 4.10.1's `decodeURI` of the pathname (it keeps `%3D` in an encoded app id, so the path
still matches; package.json 114).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

EXTENSIONS_APP_SECTION = "/extensions/app"  # urls.ts 17-19


class DashboardCannotOpen(Exception):
    """The dashboard would not open this extension (error, dropped, or the app refused it)."""


@dataclass(frozen=True)
class Opened:
    """What the browser requests for an extension, and the dashboard route it shows (if any)."""

    method: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    dashboard_path: str = ""


@dataclass(frozen=True)
class Dashboard:
    """The dashboard's side: Saleor's API URL (`getAbsoluteApiUrl()`), theme, page query."""

    api_url: str
    theme: str = "light"
    search: str = ""  # window.location.search of the page the extension is opened from


def url_join(*parts: str) -> str:
    """url-join 4.0.1 (jfromaniello/url-join, tag v4.0.1, lib/url-join.js 7-64)."""
    items = list(parts)
    if not items:
        return ""
    if re.match(r"^[^/:]+:/*$", items[0]) and len(items) > 1:  # lines 15-19
        first = items.pop(0)
        items[0] = first + items[0]
    slashes = ":///" if re.match(r"^file:///", items[0]) else "://"  # lines 21-26
    items[0] = re.sub(r"^([^/:]+):/*", lambda m: m.group(1) + slashes, items[0], count=1)
    joined = []
    for index, component in enumerate(items):  # lines 28-51
        if component == "":
            continue
        if index > 0:
            component = re.sub(r"^/+", "", component)
        if index < len(items) - 1:
            component = re.sub(r"/+$", "", component)
        else:
            component = re.sub(r"/+$", "/", component)
        joined.append(component)
    text = re.sub(r"/(\?|&|#[^!])", r"\1", "/".join(joined))  # lines 53-57
    head, *queries = text.split("?")  # lines 59-61
    return head + ("?" if queries else "") + "&".join(queries)


def is_url_absolute(url: str) -> bool:
    """`new URL(url)` without a base succeeds (extensions/isUrlAbsolute.ts 1-8): a scheme, and
    a host for the WHATWG "special" schemes (url.spec.whatwg.org, "special scheme")."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", url, re.DOTALL)
    if match is None:
        return False
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme in ("http", "https", "ws", "wss", "ftp"):
        return bool(re.split(r"[/?#]", rest.lstrip("/\\"), maxsplit=1)[0])
    return True


def encode_uri_component(text: str) -> str:
    return quote(text, safe="-_.!~*'()")


def stringify_qs(params: Mapping[str, str]) -> str:
    """qs 6.15 `stringify` of flat string values (utils/urls.ts 4-11): RFC 3986 escapes."""
    return urlencode(dict(params), quote_via=quote)


def app_iframe_url(dashboard: Dashboard, app_id: str, src: str, params: Mapping[str, str]) -> str:
    """`resolveAppIframeUrl` (urls.ts 189-217): src + the page's query + the app's context."""
    host = urlsplit(dashboard.api_url).netloc
    context = {"domain": host, "saleorApiUrl": dashboard.api_url, "id": app_id, **params}
    return url_join(src, dashboard.search, f"?{stringify_qs(context)}")


def view_manifest_extension_path(app_id: str) -> str:
    """`ExtensionsPaths.resolveViewManifestExtension(encodeURIComponent(id))` (urls.ts 35)."""
    return url_join(EXTENSIONS_APP_SECTION, encode_uri_component(app_id))


def app_page_frame_url(dashboard: Dashboard, app_id: str, app_url: str, location: str) -> str:
    """The iframe of the route /extensions/app/<id>/... (ViewManifestExtensionIframe.tsx 52-62)."""
    pathname, _, query = location.partition("?")
    deep_sub_path = pathname.replace(view_manifest_extension_path(app_id), "", 1)
    complete = url_join(app_url, deep_sub_path)  # urls.ts 236-244
    if not is_url_absolute(complete):  # AppFrame.tsx 37, 54: new URL(src) throws
        raise DashboardCannotOpen(f"Invalid URL for the app frame: {complete!r}")
    page = Dashboard(dashboard.api_url, dashboard.theme, f"?{query}" if query else "")
    return app_iframe_url(page, app_id, complete, {"theme": dashboard.theme})


def open_extension(
    dashboard: Dashboard,
    extension: Mapping[str, Any],
    app: Mapping[str, Any],
    token: str,
    params: Mapping[str, str] | None = None,
) -> Opened:
    """What the dashboard requests for `extension` (Saleor's AppExtension) of `app` (id, appUrl).

    For APP_PAGE this is a click on the menu item; `open_from_extensions` is the other way in.
    """
    url, app_id, app_url = str(extension["url"]), str(app["id"]), app.get("appUrl")
    target = str(extension.get("target", "POPUP")).upper()
    values = dict(params or {})
    if not is_url_absolute(url) and not app_url:  # useExtensions.ts 38-49: dropped from the list
        raise DashboardCannotOpen(f"relative extension URL {url!r} without appUrl")
    absolute = url if is_url_absolute(url) else f"{app_url or ''}{url}"
    if target == "WIDGET":
        return _open_widget(dashboard, extension, app_id, absolute, token, values)
    if urlsplit(absolute).scheme not in ("http", "https"):  # useExtensions.ts 112-119
        raise DashboardCannotOpen(f"Invalid url {absolute!r}")
    if target == "NEW_TAB":
        return _open_new_tab(dashboard, extension, app_id, absolute, token, values)
    if target == "POPUP":  # the raw url is the frame's src: AppFrame.tsx 54
        if not is_url_absolute(url):
            raise DashboardCannotOpen(f"Invalid URL for the popup frame: {url!r}")
        frame = app_iframe_url(dashboard, app_id, url, {**values, "theme": dashboard.theme})
        return Opened("GET", frame)
    # APP_PAGE: navigate(resolveAppDeepUrl(app.id, url, params)) (urls.ts 162-163)
    location = url_join(view_manifest_extension_path(app_id), url) + "?" + stringify_qs(values)
    frame = app_page_frame_url(dashboard, app_id, str(app_url), location)
    return Opened("GET", frame, dashboard_path=location.rstrip("?"))


def open_from_extensions(dashboard: Dashboard, app: Mapping[str, Any]) -> Opened:
    """Extensions -> Installed -> the app (resolveInstalledAppHref.ts 41-45; urls.ts 154-157)."""
    app_id, app_url = str(app["id"]), app.get("appUrl")
    if not app_url:  # ViewManifestExtensionIframe.tsx 48-50: redirected to the app's settings
        raise DashboardCannotOpen("the app has no appUrl")
    location = view_manifest_extension_path(app_id)
    frame = app_page_frame_url(dashboard, app_id, str(app_url), location)
    return Opened("GET", frame, dashboard_path=location)


def _open_widget(
    dashboard: Dashboard,
    extension: Mapping[str, Any],
    app_id: str,
    url: str,
    token: str,
    params: dict[str, str],
) -> Opened:
    options = extension.get("options") or extension.get("settings") or {}
    if (options.get("widgetTarget") or {}).get("method") == "POST":
        if not is_url_absolute(url):  # IframePost.tsx 56: new URL(extensionUrl) throws
            raise DashboardCannotOpen(f"Invalid URL for the widget form: {url!r}")
        fields = {"saleorApiUrl": dashboard.api_url, "accessToken": token, "appId": app_id}
        return Opened("POST", url, {**fields, **params})
    # GET widget: AppWidgetExtensionItem resolves the src, then AppIFrame resolves it again.
    src = app_iframe_url(dashboard, app_id, url, {"id": app_id, "theme": dashboard.theme})
    return Opened(
        "GET", app_iframe_url(dashboard, app_id, src, {**params, "theme": dashboard.theme})
    )


def _open_new_tab(
    dashboard: Dashboard,
    extension: Mapping[str, Any],
    app_id: str,
    url: str,
    token: str,
    params: dict[str, str],
) -> Opened:
    options = extension.get("options") or extension.get("settings") or {}
    if (options.get("newTabTarget") or {}).get("method", "GET") == "POST":
        context = {"accessToken": token, "appId": app_id, "saleorApiUrl": dashboard.api_url}
        return Opened("POST", url, {**params, **context})
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return Opened("GET", urlunsplit(parts._replace(query=query)))

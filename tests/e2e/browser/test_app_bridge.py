"""Browser tests of dashboard_extension/static/app-bridge.js against a fake Saleor Dashboard.

The dashboard harness (harness/dashboard.html + dashboard.js) runs on one loopback origin
and embeds harness/app_page.html from another origin; the app page uses the real
app-bridge.js module. A third origin (harness/evil.html) plays an untrusted sender.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Frame, FrameLocator, Page, expect

if TYPE_CHECKING:
    from conftest import Origins  # the `origins` fixture's type (tests/e2e/browser/conftest.py)

pytestmark = pytest.mark.browser

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HANDSHAKE_TOKEN = "token-1"


def open_dashboard(
    page: Page, origins: Origins, *, harness: str = "", **app_params: str
) -> tuple[Frame, FrameLocator]:
    """Load the fake Dashboard with the app embedded; return the app frame (JS + DOM views)."""
    url = origins.dashboard_url(token=HANDSHAKE_TOKEN, **app_params)
    page.goto(url + harness)
    frame = next(f for f in page.frames if f.url.startswith(origins.app + "/"))
    return frame, page.frame_locator("#app-frame")


def open_after_handshake(
    page: Page, origins: Origins, **app_params: str
) -> tuple[Frame, FrameLocator]:
    frame, app = open_dashboard(page, origins, **app_params)
    expect(app.locator("#ready")).to_have_text(HANDSHAKE_TOKEN)
    return frame, app


def actions(page: Page, action_type: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "t => window.receivedActions.filter(a => a.type === t)", action_type
    )
    return found


def wait_for_action(page: Page, action_type: str, count: int = 1) -> list[dict[str, Any]]:
    page.wait_for_function(
        "([t, n]) => window.receivedActions.filter(a => a.type === t).length >= n",
        arg=[action_type, count],
    )
    return actions(page, action_type)


def last_result(frame: Frame) -> dict[str, Any]:
    result: dict[str, Any] = frame.evaluate("window.actionResults.at(-1)")
    return result


def test_handshake_sends_notify_ready_and_shows_token(page: Page, origins: Origins) -> None:
    # Given the app embedded in the Dashboard from another origin
    frame, app = open_dashboard(page, origins)

    # When the Dashboard sends the handshake on iframe load
    expect(app.locator("#ready")).to_have_text(HANDSHAKE_TOKEN)

    # Then the app announced itself with exactly one notifyReady carrying only an actionId
    [ready] = wait_for_action(page, "notifyReady")
    assert list(ready) == ["type", "payload"]
    assert list(ready["payload"]) == ["actionId"]
    assert UUID4.match(ready["payload"]["actionId"])
    assert page.evaluate("window.receivedActions.length") == 1
    # And it stored the token and versions, using document.referrer's origin as the dashboard's
    expect(app.locator("#token")).to_have_text(HANDSHAKE_TOKEN)
    state = frame.evaluate(
        "({token: bridge.token, saleor: bridge.saleorVersion, dashboard: bridge.dashboardVersion,"
        " origin: bridge.dashboardOrigin, changes: window.tokenChanges})"
    )
    assert state == {
        "token": HANDSHAKE_TOKEN,
        "saleor": "3.23.28",
        "dashboard": "3.23.27",
        "origin": origins.dashboard,
        "changes": [HANDSHAKE_TOKEN],
    }
    assert origins.app != origins.dashboard


def test_initial_token_and_manual_notify_ready(page: Page, origins: Origins) -> None:
    # Given a POST-widget style page that already has a token and does not auto-announce
    frame, app = open_dashboard(
        page, origins, harness="&handshake=manual", initialToken="form-token", autoNotifyReady="0"
    )
    expect(app.locator("#token")).to_have_text("form-token")
    assert frame.evaluate("bridge.token") == "form-token"
    expect(app.locator("#ready")).to_have_text("pending")

    # When the app announces itself manually and the Dashboard then sends the handshake
    frame.evaluate("track('notifyReady', bridge.notifyReady())")
    [ready] = wait_for_action(page, "notifyReady")
    page.evaluate("harness.handshake()")

    # Then the handshake token replaces the initial one and `ready` resolves with it
    expect(app.locator("#ready")).to_have_text(HANDSHAKE_TOKEN)
    assert frame.evaluate("window.tokenChanges") == [HANDSHAKE_TOKEN]
    expect(app.locator("#result")).to_have_text("resolved notifyReady")
    assert last_result(frame)["detail"] == {"actionId": ready["payload"]["actionId"], "ok": True}
    assert [a["type"] for a in page.evaluate("window.receivedActions")] == ["notifyReady"]


def test_token_refresh_replaces_token(page: Page, origins: Origins) -> None:
    # Given the app after the handshake
    frame, app = open_after_handshake(page, origins)

    # When the Dashboard pushes a refreshed token
    page.evaluate("harness.sendTokenRefresh('token-2')")

    # Then the app uses the new token and told its token listeners once per change
    expect(app.locator("#token")).to_have_text("token-2")
    assert frame.evaluate("bridge.token") == "token-2"
    assert frame.evaluate("window.tokenChanges") == [HANDSHAKE_TOKEN, "token-2"]
    refreshes = frame.evaluate("bridgeEvents.filter(e => e.type === 'tokenRefresh')")
    assert refreshes == [{"type": "tokenRefresh", "payload": {"token": "token-2"}}]


def test_theme_event_switches_data_theme(page: Page, origins: Origins) -> None:
    # Given the app opened with theme=light in its URL, like the Dashboard does
    frame, app = open_after_handshake(page, origins)
    html = app.locator("html")
    expect(html).to_have_attribute("data-theme", "light")

    # When the Dashboard switches to dark
    page.evaluate("harness.sendTheme('dark')")

    # Then the document is dark and listeners saw it
    expect(html).to_have_attribute("data-theme", "dark")
    expect(app.locator("#theme")).to_have_text("dark")
    assert frame.evaluate("bridge.theme") == "dark"

    # When an invalid theme and then light arrive
    page.evaluate("harness.sendTheme('purple'); harness.sendTheme('light')")

    # Then it is light again and the invalid theme was neither applied nor forwarded
    expect(html).to_have_attribute("data-theme", "light")
    themes = frame.evaluate("bridgeEvents.filter(e => e.type === 'theme').map(e => e.payload)")
    assert themes == [{"theme": "dark"}, {"theme": "light"}]


def test_locale_and_redirect_events_reach_listeners(page: Page, origins: Origins) -> None:
    # Given the app after the handshake
    frame, app = open_after_handshake(page, origins)

    # When the Dashboard reports a locale change and a redirect
    page.evaluate(
        "harness.send('localeChanged', {locale: 'pl-PL'});"
        "harness.send('redirect', {path: '/orders/T3JkZXI6MQ=='})"
    )

    # Then the locale is stored and both events were forwarded in order
    expect(app.locator("#locale")).to_have_text("pl-PL")
    assert frame.evaluate("bridge.locale") == "pl-PL"
    events = frame.evaluate("bridgeEvents.filter(e => e.type !== 'handshake')")
    assert events == [
        {"type": "localeChanged", "payload": {"locale": "pl-PL"}},
        {"type": "redirect", "payload": {"path": "/orders/T3JkZXI6MQ=="}},
    ]


def test_notify_resolves_only_when_dashboard_answers(page: Page, origins: Origins) -> None:
    # Given a Dashboard that does not answer by itself
    frame, app = open_after_handshake(page, origins)
    page.evaluate("harness.autoRespond = false")

    # When the app sends a notification
    app.locator("#notify").click()

    # Then the Dashboard got a `notification` action with the given fields
    [notification] = wait_for_action(page, "notification")
    action_id = notification["payload"]["actionId"]
    assert UUID4.match(action_id)
    assert notification["payload"] == {
        "status": "success",
        "title": "PO sent",
        "text": "Purchase order PO-1 sent to supplier",
        "actionId": action_id,
    }
    # And a forged response from another origin does not settle it
    page.evaluate(
        "id => harness.sendFromWrongOrigin({type: 'response', payload: {actionId: id, ok: true}})",
        action_id,
    )
    frame.wait_for_function(
        "id => rawMessages.some(m => m.data && m.data.type === 'response'"
        " && m.data.payload.actionId === id)",
        arg=action_id,
    )
    assert last_result(frame)["outcome"] == "pending"
    expect(app.locator("#result")).to_have_text("pending notification")

    # When the Dashboard answers
    page.evaluate("id => harness.respond(id, true)", action_id)

    # Then the promise resolves with the response payload
    expect(app.locator("#result")).to_have_text("resolved notification")
    assert last_result(frame)["detail"] == {"actionId": action_id, "ok": True}


def test_action_rejects_when_dashboard_answers_not_ok(page: Page, origins: Origins) -> None:
    # Given a Dashboard that answers every action with ok: false
    frame, app = open_after_handshake(page, origins)
    page.evaluate("harness.respondOk = false")

    # When the app sends a notification
    app.locator("#notify").click()

    # Then the promise rejects
    expect(app.locator("#result")).to_have_text("rejected notification")
    assert last_result(frame)["detail"] == 'Action "notification" was rejected by the dashboard'


def test_unanswered_action_rejects_after_timeout(page: Page, origins: Origins) -> None:
    # Given an app with a 200 ms action timeout and a Dashboard that never answers
    frame, app = open_after_handshake(page, origins, timeout="200")
    page.evaluate("harness.autoRespond = false")

    # When the app sends a notification
    app.locator("#notify").click()
    [notification] = wait_for_action(page, "notification")
    action_id = notification["payload"]["actionId"]

    # Then it rejects after the timeout
    expect(app.locator("#result")).to_have_text("rejected notification")
    result = last_result(frame)
    assert result["detail"] == f'Action "notification" ({action_id}) timed out after 200 ms'
    assert 190 <= result["settled"] - result["started"] < 2000

    # And a late answer changes nothing
    page.evaluate("id => harness.respond(id, true)", action_id)
    frame.wait_for_function(
        "id => rawMessages.some(m => m.data.type === 'response' && m.data.payload.actionId === id)",
        arg=action_id,
    )
    assert last_result(frame)["outcome"] == "rejected"


def test_resize_refresh_entity_and_redirect_actions(page: Page, origins: Origins) -> None:
    # Given the app after the handshake (auto-resize off)
    frame, app = open_after_handshake(page, origins)

    # When the app asks for a 333 px widget
    app.locator("#resize").click()

    # Then the Dashboard got widgetResize and resized the iframe
    [resize] = wait_for_action(page, "widgetResize")
    assert resize["payload"] == {"height": 333, "actionId": resize["payload"]["actionId"]}
    expect(app.locator("#result")).to_have_text("resolved widgetResize")
    assert page.evaluate("harness.frameHeight()") == 333

    # When the app asks the Dashboard to reload the order
    app.locator("#refresh").click()

    # Then refreshEntity was sent with nothing but an actionId, and resolved
    [refresh] = wait_for_action(page, "refreshEntity")
    assert list(refresh["payload"]) == ["actionId"]
    assert UUID4.match(refresh["payload"]["actionId"])
    expect(app.locator("#result")).to_have_text("resolved refreshEntity")

    # When the app redirects the Dashboard into a new context
    frame.evaluate("track('redirect', bridge.redirect('/orders/T3JkZXI6MQ==', true))")

    # Then a redirect action carries the target
    [redirect] = wait_for_action(page, "redirect")
    assert redirect["payload"] == {
        "to": "/orders/T3JkZXI6MQ==",
        "newContext": True,
        "actionId": redirect["payload"]["actionId"],
    }
    expect(app.locator("#result")).to_have_text("resolved redirect")
    ids = [a["payload"]["actionId"] for a in page.evaluate("window.receivedActions")]
    assert len(set(ids)) == len(ids) == 4  # notifyReady + the three above


def test_auto_resize_follows_content_height(page: Page, origins: Origins) -> None:
    # Given the app with auto-resize in a 200 px iframe (its content is 120 px)
    frame, app = open_after_handshake(page, origins, autoResize="1")
    [initial] = wait_for_action(page, "widgetResize")
    assert initial["payload"]["height"] == 200

    # When its content grows by 900 px
    app.locator("#grow").click()

    # Then the Dashboard got the new document height and the iframe took it
    resizes = wait_for_action(page, "widgetResize", count=2)
    assert [r["payload"]["height"] for r in resizes] == [200, 1020]
    assert frame.evaluate("Math.ceil(document.documentElement.scrollHeight)") == 1020
    expect(page.locator("#app-frame")).to_have_attribute("style", re.compile(r"height: 1020px"))
    assert page.evaluate("harness.frameHeight()") == 1020

    # When the iframe gets narrower (the document resizes, its height does not)
    observed = frame.evaluate("window.resizeObservations")
    page.evaluate("harness.setFrameWidth(500)")
    frame.wait_for_function("n => window.resizeObservations > n", arg=observed)
    frame.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
        "() => requestAnimationFrame(r))))"
    )
    # (an action sent afterwards arrives after any widgetResize sent before it)
    app.locator("#refresh").click()
    wait_for_action(page, "refreshEntity")

    # Then no widgetResize with an unchanged height was sent
    assert [r["payload"]["height"] for r in actions(page, "widgetResize")] == [200, 1020]


def test_messages_from_wrong_origins_are_ignored(page: Page, origins: Origins) -> None:
    # Given the app after the handshake, light theme
    frame, app = open_after_handshake(page, origins)

    # When a third-origin page posts Dashboard events to the app frame
    page.evaluate(
        """async () => {
          await harness.sendFromWrongOrigin({type: 'tokenRefresh', payload: {token: 'evil-1'}});
          await harness.sendFromWrongOrigin({type: 'handshake', payload: {token: 'evil-2'}});
          await harness.sendFromWrongOrigin({type: 'theme', payload: {theme: 'dark'}});
        }"""
    )
    # And the app frame posts one to itself
    frame.evaluate("window.postMessage({type: 'tokenRefresh', payload: {token: 'self'}}, '*')")
    # And the Dashboard origin posts malformed messages
    page.evaluate(
        "harness.sendRaw({type: 42, payload: {token: 'bad-type'}});"
        "harness.sendRaw({type: ['tokenRefresh'], payload: {token: 'array-type'}});"
        "harness.sendRaw({payload: {token: 'no-type'}});"
        "harness.sendRaw('tokenRefresh');"
        "harness.sendRaw(null);"
    )

    # Then all of them reached the page...
    frame.wait_for_function("rawMessages.some(m => m.data === null)")
    raw = frame.evaluate("rawMessages.map(m => [m.origin, m.data])")
    assert [origins.evil, {"type": "tokenRefresh", "payload": {"token": "evil-1"}}] in raw
    assert [origins.evil, {"type": "handshake", "payload": {"token": "evil-2"}}] in raw
    assert [origins.evil, {"type": "theme", "payload": {"theme": "dark"}}] in raw
    assert [origins.app, {"type": "tokenRefresh", "payload": {"token": "self"}}] in raw
    # ...but the bridge ignored every one
    assert frame.evaluate("bridge.token") == HANDSHAKE_TOKEN
    expect(app.locator("#token")).to_have_text(HANDSHAKE_TOKEN)
    expect(app.locator("html")).to_have_attribute("data-theme", "light")
    assert frame.evaluate("window.tokenChanges") == [HANDSHAKE_TOKEN]
    seen = frame.evaluate("bridgeEvents.map(e => [e.type, e.payload.token])")
    assert {tuple(e) for e in seen} == {("handshake", HANDSHAKE_TOKEN)}

    # When the real Dashboard refreshes the token (control: the channel itself works)
    page.evaluate("harness.sendTokenRefresh('token-2')")

    # Then that one is applied
    expect(app.locator("#token")).to_have_text("token-2")


def test_actions_are_posted_only_to_the_dashboard_origin(page: Page, origins: Origins) -> None:
    # Given the app configured for the real Dashboard but embedded by a third-origin page
    app_query = urlencode({"dashboardOrigin": origins.dashboard, "timeout": "200"})
    app_url = f"{origins.app}/app_page.html?{app_query}"
    page.goto(f"{origins.evil}/evil.html?{urlencode({'embed': app_url})}")
    frame = next(f for f in page.frames if f.url == app_url)
    frame.wait_for_function("typeof window.bridge === 'object'")
    assert frame.evaluate("bridge.dashboardOrigin") == origins.dashboard

    # When the app sends notifyReady (on start) and a notification, and nobody answers
    frame.evaluate("track('notification', bridge.notify({title: 'secret'}))")
    frame.wait_for_function("actionResults.at(-1).outcome === 'rejected'")
    # (a probe posted afterwards to any origin arrives after anything posted before it)
    frame.evaluate("parent.postMessage({probe: true}, '*')")
    page.wait_for_function("window.received.length > 0")

    # Then the embedding page received nothing but the probe
    assert page.evaluate("window.received") == [{"origin": origins.app, "data": {"probe": True}}]


def test_action_ids_fall_back_without_random_uuid(page: Page, origins: Origins) -> None:
    # Given a browser without crypto.randomUUID (e.g. a non-secure context)
    page.add_init_script("delete Crypto.prototype.randomUUID")
    frame, app = open_after_handshake(page, origins)
    assert frame.evaluate("typeof crypto.randomUUID") == "undefined"

    # When the app sends actions
    app.locator("#notify").click()
    wait_for_action(page, "notification")

    # Then their actionIds are still distinct v4 UUIDs
    ids = [a["payload"]["actionId"] for a in page.evaluate("window.receivedActions")]
    assert len(ids) == len(set(ids)) == 2
    assert all(UUID4.match(i) for i in ids)
    expect(app.locator("#result")).to_have_text("resolved notification")

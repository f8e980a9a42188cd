// The Dashboard side of Saleor's AppBridge (PROTOCOL.md §4.3), driven by tests.
"use strict";
(() => {
  const params = new URLSearchParams(location.search);
  const appUrl = new URL(params.get("app"));
  const appOrigin = appUrl.origin;
  const evilOrigin = params.get("evil");
  const frame = document.getElementById("app-frame");
  let currentToken = params.get("token") || "token-1";
  let evilFrame = null;
  let evilSeq = 0;
  const evilAcks = new Map();

  /** Every action accepted from the app, in arrival order. */
  window.receivedActions = [];
  /** Every event posted to the app, in order. */
  window.sentEvents = [];

  function send(type, payload) {
    const message = { type, payload };
    window.sentEvents.push(message);
    frame.contentWindow.postMessage(message, appOrigin);
  }

  function respond(actionId, ok = true) {
    send("response", { actionId, ok });
  }

  function handshake() {
    send("handshake", {
      token: currentToken, version: 1, saleorVersion: "3.23.28", dashboardVersion: "3.23.27",
    });
  }

  function loadEvilFrame() {
    if (evilFrame) return evilFrame;
    evilFrame = new Promise((resolve) => {
      const el = document.createElement("iframe");
      el.id = "evil-frame";
      el.title = "evil";
      el.addEventListener("load", () => resolve(el.contentWindow), { once: true });
      el.src = `${evilOrigin}/evil.html`;
      document.body.appendChild(el); // after #app-frame, so the app frame stays window[0]
    });
    return evilFrame;
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (evilOrigin && event.origin === evilOrigin && data && data.harnessAck) {
      const resolve = evilAcks.get(data.harnessAck);
      evilAcks.delete(data.harnessAck);
      if (resolve) resolve(true);
      return;
    }
    // Same rule as the real Dashboard: app origin, a `type` and a `payload.actionId`.
    if (event.origin !== appOrigin) return;
    if (!data || !data.type || !data.payload || !data.payload.actionId) return;
    window.receivedActions.push(data);
    if (data.type === "widgetResize") frame.style.height = `${data.payload.height}px`;
    if (data.type === "notifyReady" && harness.autoRespond) handshake();
    if (harness.autoRespond) respond(data.payload.actionId, harness.respondOk);
  });

  // handshake=manual: the test calls harness.handshake() itself.
  if (params.get("handshake") !== "manual") frame.addEventListener("load", handshake);
  if (params.get("width")) frame.style.width = `${Number(params.get("width"))}px`;
  if (params.get("post") === "1") postWidget();
  else frame.src = appUrl.href;

  /**
   * POST-widget mode (widgetTarget.method "POST"), like the Dashboard's IframePost: a hidden
   * form in the Dashboard's document, targeted at the iframe, carrying every `f.<name>` query
   * parameter as a field (accessToken, saleorApiUrl, appId, orderId ...).
   */
  function postWidget() {
    const form = document.createElement("form");
    form.method = "POST";
    form.action = appUrl.href;
    form.target = frame.name;
    form.hidden = true;
    for (const [key, value] of params) {
      if (!key.startsWith("f.")) continue;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = key.slice(2);
      input.value = value;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    // Like React's useEffect: after the page has loaded (a submit during parsing is dropped).
    window.addEventListener("load", () => form.submit(), { once: true });
  }

  window.harness = {
    appOrigin,
    /** Answer actions automatically (set false to answer with `respond`, or never). */
    autoRespond: true,
    /** `ok` used for automatic answers. */
    respondOk: true,
    send,
    respond,
    handshake,
    sendTheme: (theme) => send("theme", { theme }),
    sendTokenRefresh(token) {
      currentToken = token;
      send("tokenRefresh", { token });
    },
    /** Post arbitrary data (even malformed) to the app from the Dashboard origin. */
    sendRaw(data) {
      window.sentEvents.push(data);
      frame.contentWindow.postMessage(data, appOrigin);
    },
    /** Have a page on a third origin post `data` to the app frame; resolves once posted. */
    async sendFromWrongOrigin(data) {
      const evilWindow = await loadEvilFrame();
      const id = `evil-${++evilSeq}`;
      const acked = new Promise((resolve) => evilAcks.set(id, resolve));
      evilWindow.postMessage({ harnessForward: data, harnessId: id }, evilOrigin);
      return acked;
    },
    setFrameWidth(px) {
      frame.style.width = `${px}px`;
    },
    frameHeight: () => frame.getBoundingClientRect().height,
  };
})();

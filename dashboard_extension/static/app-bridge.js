/**
 * Minimal, dependency-free app side of Saleor's AppBridge protocol
 * (see PROTOCOL.md §4.3/§4.5). The Dashboard posts *events* into the app
 * iframe; the app posts *actions* to `window.parent`, each carrying a random
 * `actionId` that the Dashboard answers with a `response` event.
 *
 * Usage:
 *   import { createAppBridge } from "/static/app-bridge.js";
 *   const bridge = createAppBridge({ autoResize: true });
 *   const token = await bridge.ready;
 *
 * @module app-bridge
 */

const THEMES = ["light", "dark"];
const STATUSES = ["info", "success", "warning", "error"];

/** @returns {string} a random v4 UUID (crypto.randomUUID needs a secure context). */
function uuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** @returns {string|null} the origin of `value` (a URL, origin or bare host), or null. */
function toOrigin(value) {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    try {
      return new URL(`https://${value}`).origin;
    } catch {
      return null;
    }
  }
}

/**
 * @typedef {object} AppBridgeOptions
 * @property {string} [dashboardOrigin] Origin of the Saleor Dashboard; default: origin of `document.referrer`.
 * @property {string} [targetDomain] Alias of `dashboardOrigin`.
 * @property {boolean} [autoNotifyReady=true] Send `notifyReady` immediately.
 * @property {boolean} [autoResize=false] Send `widgetResize` whenever the document height changes.
 * @property {string|null} [initialToken] Token already known (e.g. the `accessToken` field of a POST widget).
 * @property {number} [actionTimeoutMs=10000] Reject an action's promise if no `response` arrives in time.
 */

/**
 * Create the app side of the AppBridge and start listening for Dashboard events.
 *
 * Events are accepted only from the dashboard origin and only when `event.data.type`
 * is a string. The initial theme/locale come from the `theme`/`locale` URL parameters
 * the Dashboard appends to the iframe URL. Listeners (`on(type, cb)`) get the event
 * payload for `handshake`, `tokenRefresh`, `theme`, `localeChanged`, `redirect`,
 * `response` and any other event type; `onTokenChange(cb)` gets the new token.
 *
 * @param {AppBridgeOptions} [options]
 * @returns {{token: string|null, theme: string|null, locale: string|null,
 *   saleorVersion: string|null, dashboardVersion: string|null, dashboardOrigin: string|null,
 *   ready: Promise<string>, on: Function, onTokenChange: Function, dispatch: Function,
 *   notifyReady: Function, notify: Function, resize: Function, refreshEntity: Function,
 *   redirect: Function, destroy: Function}}
 */
export function createAppBridge(options = {}) {
  const origin = toOrigin(options.dashboardOrigin || options.targetDomain || document.referrer);
  const timeoutMs = options.actionTimeoutMs ?? 10000;
  const query = new URLSearchParams(window.location.search);
  const state = {
    token: options.initialToken ?? null,
    theme: null,
    locale: query.get("locale"),
    saleorVersion: null,
    dashboardVersion: null,
  };
  /** @type {Map<string, Set<Function>>} */
  const listeners = new Map();
  /** @type {Map<string, {resolve: Function, reject: Function, timer: number, type: string}>} */
  const pending = new Map();
  let resolveReady;
  const ready = new Promise((resolve) => (resolveReady = resolve));

  function emit(type, payload) {
    for (const cb of [...(listeners.get(type) || [])]) {
      try {
        cb(payload);
      } catch (err) {
        (globalThis.reportError || console.error)(err);
      }
    }
  }

  function setToken(token) {
    if (typeof token !== "string" || token === state.token) return;
    state.token = token;
    emit("tokenChange", token);
  }

  function applyTheme(theme) {
    if (!THEMES.includes(theme)) return false;
    state.theme = theme;
    document.documentElement.dataset.theme = theme;
    return true;
  }
  applyTheme(query.get("theme"));

  const handlers = {
    handshake(p) {
      state.saleorVersion = p.saleorVersion ?? state.saleorVersion;
      state.dashboardVersion = p.dashboardVersion ?? state.dashboardVersion;
      setToken(p.token);
      if (typeof p.token === "string") resolveReady(p.token);
      return true;
    },
    tokenRefresh: (p) => (setToken(p.token), true),
    theme: (p) => applyTheme(p.theme),
    localeChanged: (p) => ((state.locale = p.locale ?? state.locale), true),
    response(p) {
      const entry = pending.get(p.actionId);
      if (entry) {
        pending.delete(p.actionId);
        clearTimeout(entry.timer);
        if (p.ok) entry.resolve(p);
        else entry.reject(new Error(`Action "${entry.type}" was rejected by the dashboard`));
      }
      return true;
    },
  };

  function onMessage(event) {
    const data = event.data;
    if (!origin || event.origin !== origin) return;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    const payload = data.payload && typeof data.payload === "object" ? data.payload : {};
    if (data.type === "tokenChange") return; // reserved for onTokenChange listeners
    if (Object.hasOwn(handlers, data.type) && !handlers[data.type](payload)) return;
    emit(data.type, payload);
  }
  window.addEventListener("message", onMessage);

  /**
   * Post an action to the Dashboard.
   * @param {string} type action type, e.g. "notification"
   * @param {object} [payload] action payload (an `actionId` is added)
   * @returns {Promise<object>} resolved with the `response` payload
   */
  function dispatch(type, payload = {}) {
    if (!origin) return Promise.reject(new Error("Unknown dashboard origin"));
    if (window.parent === window) return Promise.reject(new Error("Not inside the dashboard"));
    const actionId = uuid();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(actionId);
        reject(new Error(`Action "${type}" (${actionId}) timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(actionId, { resolve, reject, timer, type });
      window.parent.postMessage({ type, payload: { ...payload, actionId } }, origin);
    });
  }

  const defined = (obj) => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));

  const bridge = {
    get token() { return state.token; },
    get theme() { return state.theme; },
    get locale() { return state.locale; },
    get saleorVersion() { return state.saleorVersion; },
    get dashboardVersion() { return state.dashboardVersion; },
    get dashboardOrigin() { return origin; },
    /** Promise resolved with the token of the first `handshake`. */
    ready,
    dispatch,
    /** Subscribe to a Dashboard event type (or "tokenChange"); returns an unsubscribe function. */
    on(type, cb) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(cb);
      return () => listeners.get(type).delete(cb);
    },
    onTokenChange: (cb) => bridge.on("tokenChange", cb),
    notifyReady: () => dispatch("notifyReady"),
    /** @param {{status?: "info"|"success"|"warning"|"error", title?: string, text?: string, apiMessage?: string}} n */
    notify({ status = "info", title, text, apiMessage } = {}) {
      if (!STATUSES.includes(status)) return Promise.reject(new TypeError(`Bad status: ${status}`));
      return dispatch("notification", defined({ status, title, text, apiMessage }));
    },
    /** @param {number} height widget height in px (rounded up) */
    resize(height) {
      if (!Number.isFinite(height) || height < 0) return Promise.reject(new TypeError("Bad height"));
      return dispatch("widgetResize", { height: Math.ceil(height) });
    },
    /** Ask the Dashboard to reload the open entity (e.g. the order). */
    refreshEntity: () => dispatch("refreshEntity"),
    /** @param {string} to Dashboard path or URL @param {boolean} [newContext] open in a new context */
    redirect: (to, newContext = false) => dispatch("redirect", { to, newContext: !!newContext }),
    /** Stop listening, stop auto-resize and reject pending actions. */
    destroy() {
      window.removeEventListener("message", onMessage);
      if (observer) observer.disconnect();
      for (const [id, entry] of pending) {
        clearTimeout(entry.timer);
        entry.reject(new Error(`Action "${entry.type}" cancelled`));
        pending.delete(id);
      }
    },
  };

  let observer = null;
  if (options.autoResize && typeof ResizeObserver === "function") {
    let lastHeight = null;
    let scheduled = false;
    observer = new ResizeObserver(() => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        const height = Math.ceil(document.documentElement.scrollHeight);
        if (height === lastHeight) return;
        lastHeight = height;
        bridge.resize(height).catch(() => {});
      });
    });
    observer.observe(document.documentElement);
  }

  if (options.autoNotifyReady !== false) bridge.notifyReady().catch(() => {});
  return bridge;
}

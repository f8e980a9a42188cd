/**
 * The order widget's page script (dashboard_extension/templates/order_widget/widget.html).
 * The widget works without it (plain forms); with it: the iframe fits the widget, the theme kept
 * across form posts, vendor selects that save on change, package choices named after the
 * tracking numbers typed, one submit per click, and the outcome of an action shown as a
 * dashboard notification.
 */
import { createAppBridge } from "./app-bridge.js";
import { startChargePanel } from "./charge-panel.js";

const root = document.getElementById("order-widget");
document.documentElement.classList.add("js");

/** After a form inside the iframe, document.referrer is the app: carry the dashboard's origin. */
function dashboardOrigin() {
  const known = root ? root.dataset.dashboardOrigin : "";
  if (known) return known;
  try {
    const origin = new URL(document.referrer).origin;
    return origin === location.origin ? "" : origin;
  } catch {
    return "";
  }
}

const origin = dashboardOrigin();
for (const input of document.querySelectorAll('input[name="dashboardOrigin"]')) input.value = origin;

const bridge = createAppBridge({ ...(origin ? { dashboardOrigin: origin } : {}) });

/**
 * Fit the iframe to the widget. Not app-bridge's autoResize: it measures the document's
 * scrollHeight, which never drops below the iframe's current height, so after a form post
 * drawing a shorter widget (or closing a <details>) the iframe would never shrink back.
 */
let lastHeight = null;
new ResizeObserver(() => {
  const height = Math.ceil(document.body.getBoundingClientRect().height);
  if (height === lastHeight) return;
  lastHeight = height;
  bridge.resize(height).catch(() => {});
}).observe(document.body);

/** Keep the dashboard's theme in every form's URL, so the next page is drawn in it. */
function keepTheme(theme) {
  for (const el of document.querySelectorAll("form[action], button[formaction]")) {
    const attr = el.tagName === "FORM" ? "action" : "formaction";
    const url = new URL(el.getAttribute(attr), location.href);
    url.searchParams.set("theme", theme);
    el.setAttribute(attr, url.pathname + url.search);
  }
}
bridge.on("theme", ({ theme }) => keepTheme(theme));
startChargePanel(bridge);

for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}

// Add tracking, one package per number: name each package option after the number typed.
for (const form of document.querySelectorAll("form.ow-ship")) {
  const tracking = form.querySelector('input[name="tracking"]');
  const label = () => {
    const numbers = tracking.value.split(/[\s,;]+/).filter(Boolean);
    for (const option of form.querySelectorAll(".ow-package option")) {
      const index = Number(option.value);
      const number = numbers[index];
      option.textContent = `Package ${index + 1}${number ? ` · ${number}` : ""}`;
    }
  };
  tracking.addEventListener("input", label);
  label();
}

// One submit per action: a second click while the page reloads is ignored.
for (const form of document.querySelectorAll("form[data-once]")) {
  form.addEventListener("submit", (event) => {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    // Disabled after the entry list is built, so the clicked button's name/value is still sent.
    setTimeout(() => form.querySelectorAll("button").forEach((b) => (b.disabled = true)));
  });
}

const outcome = document.getElementById("outcome");
if (outcome && outcome.dataset.notify === "1") {
  const { status, title, text } = outcome.dataset;
  bridge.notify({ status, title, text }).catch(() => {});
}
if (outcome && outcome.dataset.refreshEntity === "1") bridge.refreshEntity().catch(() => {});

// Vendor link: Copy puts the link on the clipboard (the field stays selectable without it).
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    navigator.clipboard.writeText(field.value).then(
      () => (button.textContent = "Copied"),
      () => (button.textContent = "Select and copy"),
    );
  });
}

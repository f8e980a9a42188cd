/**
 * The order widget's payment panel (templates/order_widget/_charge.html): loaded from the app
 * with the widget's signed context, polled while a charge waits for its result (Saleor only
 * tells the app by a later transaction event), with links to dashboard pages through AppBridge.
 */
const MAX_POLL_MS = 15 * 60 * 1000;

export function startChargePanel(bridge) {
  const box = document.getElementById("charge");
  if (!box) return;
  const form = box.querySelector("form.ow-charge-load");
  const fields = new FormData(form);
  const started = Date.now();
  let timer = null;
  let wasInFlight = false;
  const endings = {
    approved: ["success", "Charged"],
    declined: ["error", "Charge declined"],
    no_answer: ["warning", "The payment app did not answer"],
  };

  async function load() {
    timer = null;
    let html;
    try {
      const response = await fetch(box.dataset.panelUrl, { method: "POST", body: fields });
      html = await response.text();
      if (!response.ok) throw new Error(String(response.status));
    } catch {
      box.innerHTML = '<p class="notice notice-error small" id="charge-error">Could not load the payment. <button type="button" class="button-link" id="charge-reload">Try again</button></p>';
      box.querySelector("#charge-reload").addEventListener("click", load);
      return;
    }
    box.innerHTML = html;
    const panel = box.querySelector("#charge-panel");
    for (const input of box.querySelectorAll('input[name="dashboardOrigin"]')) {
      input.value = fields.get("dashboardOrigin") || input.value;
    }
    for (const once of box.querySelectorAll("form[data-once]")) {
      once.addEventListener("submit", (event) => {
        if (once.dataset.sent) return event.preventDefault();
        once.dataset.sent = "1";
        setTimeout(() => once.querySelectorAll("button").forEach((b) => (b.disabled = true)));
      });
    }
    const inFlight = Boolean(panel && panel.dataset.inFlight === "1");
    const ending = panel && endings[panel.dataset.status];
    if (wasInFlight && !inFlight && ending) {
      // The result landed while the page was open: tell the dashboard, which shows the order's
      // payment status, to read the order again.
      bridge.notify({ status: ending[0], title: ending[1], text: "" }).catch(() => {});
      bridge.refreshEntity().catch(() => {});
    }
    wasInFlight = inFlight;
    if (inFlight && Date.now() - started < MAX_POLL_MS) {
      // Every 2 s for the first minute, then every 10 s: a 5xx from the payment app keeps
      // Saleor retrying for about five minutes.
      const wait = Date.now() - started < 60000 ? Number(panel.dataset.pollMs || 2000) : 10000;
      timer = setTimeout(load, wait);
    }
  }

  box.addEventListener("click", (event) => {
    const outside = event.target.closest("a[data-dashboard-path]");
    if (!outside) return;
    event.preventDefault();
    bridge.redirect(outside.dataset.dashboardPath).catch(() => {});
  });
  load();
}

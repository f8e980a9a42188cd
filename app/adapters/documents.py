"""PO documents from Jinja2 templates: PDF (HTML rendered by WeasyPrint), CSV and email texts.

Merchant-edited templates run in Jinja2's immutable sandbox and see plain values only (strings,
numbers, dicts and lists built per render), never the domain objects.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import Environment, FileSystemLoader, TemplateError
from jinja2 import TemplateSyntaxError as JinjaSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from app.adapters.bounded_render import (
    RenderBudget,
    RenderFailed,
    RenderTooLarge,
    RenderTooSlow,
    render_bounded,
)
from app.adapters.document_variables import (
    format_amount,
    line_change,
    ship_to_fields,
    shipping_variables,
    slip_variables,
    template_variables,
)
from app.domain.purchase_orders import POLine, PurchaseOrder
from app.domain.spreadsheets import csv_text
from app.errors import Invalid
from app.services.ports import DocumentContext, SlipContext

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
PO_HTML = "documents/purchase_order.html"
SLIP_HTML = "documents/packing_slip.html"
SLIP_MESSAGE = "documents/packing_slip_message.txt"
PO_SUBJECT = "email/po_subject.txt"
PO_BODY = "email/po_body.txt"
CSV_HEADER = (
    "po_number", "order_number", "vendor_sku", "sku", "product", "variant", "quantity",
    "unit_cost", "line_total", "currency", "ship_to_name", "ship_to_company", "ship_to_street1",
    "ship_to_street2", "ship_to_city", "ship_to_postal_code", "ship_to_country_area",
    "ship_to_country", "ship_to_phone", "requested_service", "ship_by", "carrier",
    "carrier_service_code", "carrier_account",
)  # fmt: skip
PRICE_COLUMNS = ("unit_cost", "line_total")
# What a broken merchant template may raise while rendering; anything else is our bug.
RENDER_ERRORS = (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, RecursionError)
# (what the merchant calls the template, the settings field that holds it)
_PDF = ("PO document", "po_template_html")
_SUBJECT = ("email subject", "email_subject_template")
_BODY = ("email body", "email_body_template")
_SLIP_MESSAGE = ("packing slip message", "slip_message_template")

# WeasyPrint reports every layout step at INFO: keep the worker log readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class TemplateDocuments:
    """DocumentRenderer over the templates in ``templates_dir`` (default: ``app/templates``)."""

    def __init__(
        self, templates_dir: Path = TEMPLATES_DIR, budget: RenderBudget | None = None
    ) -> None:
        loader = FileSystemLoader(templates_dir)
        options: dict[str, Any] = {"loader": loader, "trim_blocks": True, "lstrip_blocks": True}
        self._html = ImmutableSandboxedEnvironment(autoescape=True, **options)
        self._text = ImmutableSandboxedEnvironment(autoescape=False, **options)
        self._budget = budget or RenderBudget()

    def purchase_order_html(self, po: PurchaseOrder, context: DocumentContext) -> str:
        """The PO document's HTML (a merchant's template rendered within the budget)."""
        variables = template_variables(po, context)
        return _render(self._html, PO_HTML, context.template_html, variables, _PDF, self._budget)

    def purchase_order_pdf(self, po: PurchaseOrder, context: DocumentContext) -> bytes:
        """The PO as an A4 PDF, from the merchant's template when they customised it."""
        return _pdf(self.purchase_order_html(po, context))

    def purchase_order_csv(
        self, po: PurchaseOrder, context: DocumentContext | None = None
    ) -> bytes:
        """One UTF-8 CSV row per PO line, amounts with 2 decimals, formula cells neutralised;
        the shipping instructions on every row; no cost columns when prices are hidden."""
        address = ship_to_fields(po.ship_to)
        shipping = _shipping_cells(po, context)
        rows = [[*_csv_row(po, line, address), *shipping] for line in po.lines]
        header = list(CSV_HEADER)
        if po.is_amended:  # the amended PO says what changed, per row (ADR 21)
            header.append("change")
            rows = [[*row, _csv_change(po, line)] for row, line in zip(rows, po.lines, strict=True)]
        if context is not None and not context.show_prices:
            hidden = [header.index(name) for name in PRICE_COLUMNS]
            header = [name for i, name in enumerate(header) if i not in hidden]
            rows = [[cell for i, cell in enumerate(row) if i not in hidden] for row in rows]
        return csv_text(header, rows).encode("utf-8")

    def packing_slip_message(self, po: PurchaseOrder, context: SlipContext) -> str:
        """The message to the customer, from the merchant's template when they wrote one."""
        variables = slip_variables(po, context)
        source = context.message_template
        message = _render(self._text, SLIP_MESSAGE, source, variables, _SLIP_MESSAGE, self._budget)
        return message.strip()

    def packing_slip_html(self, po: PurchaseOrder, context: SlipContext) -> str:
        """The slip's HTML: our template (trusted) with the merchant's message in it."""
        variables = slip_variables(po, context)
        variables["message"] = self.packing_slip_message(po, context)
        return self._html.get_template(SLIP_HTML).render(variables)

    def packing_slip_pdf(self, po: PurchaseOrder, context: SlipContext) -> bytes:
        """The packing slip as an A4 PDF: the shop's name and logo, no prices, no vendor."""
        return _pdf(self.packing_slip_html(po, context))

    def purchase_order_email(
        self,
        po: PurchaseOrder,
        context: DocumentContext,
        subject_template: str | None,
        body_template: str | None,
    ) -> tuple[str, str]:
        """Plain-text subject (one line) and body, from the merchant's templates when given."""
        variables = template_variables(po, context)
        budget = self._budget
        subject = _render(self._text, PO_SUBJECT, subject_template, variables, _SUBJECT, budget)
        body = _render(self._text, PO_BODY, body_template, variables, _BODY, budget)
        return " ".join(subject.split()), body.strip() + "\n"


def _pdf(html: str) -> bytes:
    # Only data: URIs load: no file, http or other fetches, whatever the template asks for.
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


def _shipping_cells(po: PurchaseOrder, context: DocumentContext | None) -> list[object]:
    shipping = shipping_variables(po, context.shipping if context else None)
    return [
        shipping["service"], shipping["ship_by"], shipping["carrier"],
        shipping["service_code"], shipping["account"],
    ]  # fmt: skip


def _csv_change(po: PurchaseOrder, line: POLine) -> str:
    parts = [f"{po.amended_label}"]
    if po.amendment is not None and po.amendment.address_changed:
        parts.append("ship-to changed")
    if change := line_change(po, line):
        parts.append(change)
    return "; ".join(parts)


def _csv_row(po: PurchaseOrder, line: POLine, address: Mapping[str, Any]) -> list[object]:
    return [
        po.number, po.order_number, line.vendor_sku, line.sku, line.product_name,
        line.variant_name, line.quantity, format_amount(line.unit_cost, thousands=False),
        format_amount(line.total, thousands=False), po.currency, address["name"],
        address["company"], address["street1"], address["street2"], address["city"],
        address["postal_code"], address["country_area"], address["country"], address["phone"],
    ]  # fmt: skip


def _render(
    env: Environment,
    default_name: str,
    source: str | None,
    variables: Mapping[str, Any],
    which: tuple[str, str],
    budget: RenderBudget,
) -> str:
    """Render the default template here, or a merchant's ``source`` within ``budget`` in a
    forked child (compiling too: Jinja folds constants such as ``'x' * 10**9`` at compile time);
    template errors, too slow and too large → Invalid on the template's field."""
    what, field = which

    def explain(error: BaseException) -> str:
        if isinstance(error, JinjaSyntaxError):
            return f"The {what} template has an error on line {error.lineno}: {error.message}."
        line = _template_line(error.__traceback__, "<template>")
        where = f" on line {line}" if line else ""
        return f"The {what} template failed{where}: {_reason(error)}."

    if source is None:  # ours: trusted, rendered in this process
        try:
            return env.get_template(default_name).render(variables)
        except RENDER_ERRORS as error:
            raise Invalid(explain(error), field=field) from None
    try:
        return render_bounded(
            lambda: env.from_string(source).generate(variables), budget, explain, RENDER_ERRORS
        )
    except RenderFailed as error:
        raise Invalid(str(error), field=field) from None
    except RenderTooSlow:
        raise Invalid(
            f"The {what} template is too slow: it did not finish within {budget.seconds:g} s.",
            field=field,
        ) from None
    except RenderTooLarge:
        raise Invalid(
            f"The {what} template is too large: its output or memory use is over the limit "
            f"({budget.max_bytes // 1024} KB of text).",
            field=field,
        ) from None


def _template_line(trace: TracebackType | None, filename: str) -> int | None:
    """The innermost template line in a traceback (Jinja2 rewrites frames to template lines)."""
    line = None
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _reason(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return str(message).rstrip(".")

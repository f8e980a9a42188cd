"""The product page's "Vendors" widget (PRODUCT_DETAILS_WIDGETS, POST).

The Dashboard POSTs the token once; every follow-up form posts back into the iframe with the
signed ``context``, the ``productId`` and the Dashboard's origin (the iframe's own referrer is
the app after the first post, and AppBridge needs the Dashboard's origin).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from app.domain.products import ProductInfo
from app.domain.vendors import VendorOption
from app.errors import NotFound
from app.services.forms import FormInvalid
from app.services.ports import SaleorRefused, SaleorUnavailable
from app.web import use_cases
from app.web.app_pages.shell import current_saleor_api
from app.web.auth import (
    current_user,
    issue_context,
    require_dashboard_context,
    require_dashboard_token,
)
from app.web.forms import (
    NEW_PRODUCT_VENDOR,
    dashboard_origin,
    product_vendor_form,
    product_vendor_values,
    record_id,
)

blueprint = Blueprint("product_widget", __name__)
PERMISSION = "MANAGE_PRODUCTS"


def _fetch_product(product_id: str) -> ProductInfo:
    """Asked once per request (the scope check and the page both need it)."""
    cached: ProductInfo | None = g.get("product_info")
    if cached is not None and cached.id == product_id:
        return cached
    try:
        product = current_saleor_api().fetch_product(product_id)
    except (SaleorUnavailable, SaleorRefused):
        product = None
    info = product if product is not None else ProductInfo(product_id, loaded=False)
    g.product_info = info
    return info


def _sorted(options: list[VendorOption]) -> list[VendorOption]:
    return sorted(
        options,
        key=lambda o: (not o.product_vendor.is_default, o.product_vendor.priority, o.vendor.name),
    )


def _render(
    product_id: str,
    *,
    notice: str = "",
    editing: int | str | None = None,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = current_user()
    cases = use_cases()
    entries = _sorted(
        cases.list_product_vendors(installation_id=user.installation_id, product_id=product_id)
    )
    html = render_template(
        "product_widget/widget.html",
        user=user,
        context=issue_context(user),
        dashboard_origin=dashboard_origin(),
        product=_fetch_product(product_id),
        entries=entries,
        vendors=cases.list_vendors(installation_id=user.installation_id),
        entry_values={o.product_vendor.id: product_vendor_values(o) for o in entries},
        new_values=NEW_PRODUCT_VENDOR,
        notice=notice,
        editing=editing,
        values=values or {},
        errors=errors or {},
    )
    return html, status


def _product_id() -> str:
    return request.form.get("productId", "").strip()


def _entry(product_id: str) -> tuple[VendorOption, int]:
    """The posted entry, which must belong to the posted product of this shop."""
    entry_id = record_id("entryId")
    for option in use_cases().list_product_vendors(
        installation_id=current_user().installation_id, product_id=product_id
    ):
        if option.product_vendor.id == entry_id:
            return option, entry_id
    raise NotFound("This vendor is no longer listed for this product: reload the page.")


def _check_scope(data: Mapping[str, object]) -> None:
    variant_id = str(data.get("variant_id") or "")
    if not variant_id:
        return
    product = _fetch_product(str(data["product_id"]))
    if variant_id not in {variant.id for variant in product.variants}:
        raise FormInvalid({"variant_id": "Choose All variants or one of this product's variants."})


def _save(data: Mapping[str, object], entry_id: int | None) -> None:
    use_cases().save_product_vendor(
        installation_id=current_user().installation_id, data=data, entry_id=entry_id
    )


@blueprint.post("/widgets/product")
@require_dashboard_token(PERMISSION)
def widget() -> ResponseReturnValue:
    return _render(_product_id())


@blueprint.post("/widgets/product/save")
@require_dashboard_context(PERMISSION)
def save() -> ResponseReturnValue:
    product_id = _product_id()
    existing, entry_id = _entry(product_id) if request.form.get("entryId") else (None, None)
    data = product_vendor_form(product_id)
    if existing is not None:
        data["is_default"] = existing.product_vendor.is_default  # "Make default" changes it
    try:
        _check_scope(data)
        _save(data, entry_id)
    except FormInvalid as error:
        editing = entry_id if entry_id is not None else "new"
        return _render(product_id, editing=editing, values=data, errors=error.errors, status=400)
    return _render(product_id, notice="Vendor saved.")


@blueprint.post("/widgets/product/default")
@require_dashboard_context(PERMISSION)
def make_default() -> ResponseReturnValue:
    product_id = _product_id()
    option, entry_id = _entry(product_id)
    data = {**product_vendor_values(option), "is_default": True}
    try:
        _save(data, entry_id)
    except FormInvalid as error:
        return _render(product_id, editing=entry_id, values=data, errors=error.errors, status=400)
    return _render(product_id, notice=f"{option.vendor.name} is now the default vendor.")


@blueprint.post("/widgets/product/remove")
@require_dashboard_context(PERMISSION)
def remove() -> ResponseReturnValue:
    product_id = _product_id()
    option, entry_id = _entry(product_id)
    use_cases().remove_product_vendor(
        installation_id=current_user().installation_id, entry_id=entry_id
    )
    return _render(product_id, notice=f"{option.vendor.name} was removed from this product.")

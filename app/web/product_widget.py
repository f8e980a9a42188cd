"""The product page's "Vendors" widget (PRODUCT_DETAILS_WIDGETS, POST)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from app.web.auth import current_user, issue_context, require_dashboard_token

blueprint = Blueprint("product_widget", __name__)


@blueprint.post("/widgets/product")
@require_dashboard_token("MANAGE_PRODUCTS")
def widget() -> ResponseReturnValue:
    user = current_user()
    return render_template(
        "product_widget/widget.html",
        user=user,
        product_id=request.form.get("productId", ""),
        context=issue_context(user),
    )

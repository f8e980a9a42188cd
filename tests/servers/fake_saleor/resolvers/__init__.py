"""Root and field resolvers. Importing this package registers every resolver module.

Add a query/mutation by writing a module here with `@query("name")` / `@mutation("name")`
functions `(parent, info, **args)` and importing it below.
"""

from . import (  # noqa: F401  (registration side effects)
    app,
    catalog,
    fulfill,
    fulfillment,
    metadata,
    order,
    order_actions,
    shop,
    transactions,
    webhooks,
)
from .registry import field_resolver, guard_for, mutation, query, resolver

__all__ = ["field_resolver", "guard_for", "mutation", "query", "resolver"]

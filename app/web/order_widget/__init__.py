"""The order page's "Purchase orders" widget: ``view`` draws it (from ``services.queries``);
``order``, ``purchase_orders`` and ``shipments`` are its actions; ``shipping`` shapes its
Shipping section."""

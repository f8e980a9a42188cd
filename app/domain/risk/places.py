"""Addresses that hide where goods really go: freight forwarders and post-office boxes.

The forwarders are well-known parcel-forwarding services (re-shippers) whose US warehouses
receive goods for customers abroad; a shop that does not sell abroad sees them in card-testing
and reshipping fraud. The list is short on purpose, matched on words in the address lines and
company name; merchants add their own in Settings ("Risk review": extra forwarder words).
"""

from __future__ import annotations

import re

from app.domain.orders import Address

KNOWN_FORWARDERS: tuple[str, ...] = (
    "myus",
    "shipito",
    "stackry",
    "planet express",
    "borderlinx",
    "comgateway",
    "viabox",
    "reship",
    "forward2me",
    "parcel forwarding",
    "package forwarding",
    "freight forwarder",
    "usgobuy",
    "bongo",
    "ship7",
    "myshopandship",
)

# "PO Box 12", "P.O. Box", "Post Office Box", "Postfach" (DE), "Boîte postale"/"BP" (FR), "Apartado"
PO_BOX = re.compile(
    r"\b(?:p\.?\s*o\.?\s*box|post\s*office\s*box|postfach|bo[iî]te\s+postale|apartado\s+postal"
    r"|pmb|private\s+mail\s*box|locked\s+bag)\b",
    re.IGNORECASE,
)


def _address_text(address: Address) -> str:
    parts = (address.company_name, address.street_address_1, address.street_address_2)
    return " ".join(" ".join(parts).lower().split())


def forwarder_in(address: Address | None, extra: tuple[str, ...] = ()) -> str | None:
    """The forwarder named in the address (company or street lines), or None."""
    if address is None:
        return None
    text = _address_text(address)
    for name in (*KNOWN_FORWARDERS, *extra):
        word = name.strip().lower()
        if word and re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text):
            return name
    return None


def is_po_box(address: Address | None) -> bool:
    return address is not None and bool(PO_BOX.search(_address_text(address)))

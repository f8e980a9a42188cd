"""Carrier detection from tracking numbers, using the maintained tracking_number_data set.

The ``tracking-numbers`` package is generated from jkeen/tracking_number_data (the data set the
Ruby and JavaScript libraries share): formats and check digits for UPS, USPS, FedEx, DHL, OnTrac,
Amazon, S10 (postal services worldwide) and more, with tracking links where the carrier has one.
"""

from __future__ import annotations

from tracking_numbers import get_tracking_number

from app.domain.shipments import Carrier

# Tracking links for carriers the merchant picks by hand when the number's format is unknown.
_KNOWN = {
    "ups": ("UPS", "https://www.ups.com/track?tracknum={number}"),
    "usps": ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
    "fedex": ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    "dhl": ("DHL", "https://www.dhl.com/en/express/tracking.html?AWB={number}"),
    "ontrac": ("OnTrac", "https://www.ontrac.com/tracking/?number={number}"),
    "amazon": ("Amazon", None),
    "other": ("Other", None),
}


class TrackingNumberCarriers:
    """Implements the CarrierDetector port."""

    def detect(self, tracking_number: str) -> Carrier | None:
        found = get_tracking_number(tracking_number.replace(" ", ""))
        if found is None or not found.valid:
            return None
        code = found.courier.code
        name = _KNOWN.get(code, (found.courier.name, None))[0]
        return Carrier(code=code, name=name, tracking_url=found.tracking_url or None)

    def by_code(self, code: str, tracking_number: str) -> Carrier:
        """The merchant's carrier: a known code, or any other name kept as "other"."""
        given = code.strip()
        code = given.lower()
        detected = self.detect(tracking_number)
        if detected is not None and detected.code == code:
            return detected
        if code not in _KNOWN:
            return Carrier(code="other", name=given[:80] or "Other", tracking_url=None)
        name, template = _KNOWN[code]
        url = template.format(number=tracking_number) if template else None
        return Carrier(code=code, name=name, tracking_url=url)

"""A Saleor product as the product widget needs it, parsed by the Saleor adapter."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VariantInfo:
    id: str
    sku: str = ""
    name: str = ""


@dataclass(frozen=True)
class ProductInfo:
    """The product as Saleor has it; ``loaded`` is False when Saleor did not return it."""

    id: str
    name: str = ""
    variants: tuple[VariantInfo, ...] = ()
    loaded: bool = True

    def scope_label(self, variant_id: str | None) -> str:
        if variant_id is None:
            return "All variants"
        for variant in self.variants:
            if variant.id == variant_id:
                return f"Variant {variant.sku or variant.name or variant_id}"
        return f"Variant {variant_id}"

"""Money: a Decimal amount in a currency, rounded to cents half-up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(raw: str | int | float | Decimal) -> Decimal:
    """Parse a non-negative amount ("12.5", 12.5) with at most 4 decimals."""
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise MoneyError(f"{raw!r} is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise MoneyError(f"{raw!r} is not a positive amount")
    if amount.as_tuple().exponent < -4:  # type: ignore[operator]
        raise MoneyError(f"{raw!r} has more than 4 decimals")
    return amount


def clean_currency(raw: str) -> str:
    code = raw.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise MoneyError(f"{raw!r} is not a 3-letter currency code")
    return code


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0"), currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise MoneyError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def rounded(self) -> Money:
        return Money(quantize(self.amount), self.currency)

    def __str__(self) -> str:
        return f"{quantize(self.amount):,.2f} {self.currency}"

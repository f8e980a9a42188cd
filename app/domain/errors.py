"""Validation errors of the domain: one message per field, shown next to the field."""

from __future__ import annotations


class DomainValidationError(ValueError):
    """Input that breaks a business rule; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class RuleViolation(ValueError):
    """An action the current state does not allow (e.g. sending a cancelled PO)."""

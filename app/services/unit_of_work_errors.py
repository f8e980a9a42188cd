"""Errors about concurrent changes that services raise."""

from app.errors import ErrorCode, Permanent


class StaleForm(Permanent):
    """The page was drawn from data that has changed since: reload before acting."""

    code = ErrorCode.CONFLICT

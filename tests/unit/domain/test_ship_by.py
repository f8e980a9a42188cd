"""Ship-by dates: the order date plus the vendor's handling days in business days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainValidationError
from app.domain.ship_by import clean_holidays, is_business_day, ship_by_date

FRIDAY = date(2026, 12, 4)
CHRISTMAS = date(2026, 12, 25)  # a Friday


@pytest.mark.parametrize(
    ("ordered_on", "handling_days", "holidays", "expected"),
    [
        pytest.param(date(2026, 12, 1), 2, (), date(2026, 12, 3), id="weekdays_case"),
        pytest.param(FRIDAY, 1, (), date(2026, 12, 7), id="across_a_weekend_case"),
        pytest.param(FRIDAY, 0, (), FRIDAY, id="same_day_case"),
        pytest.param(date(2026, 12, 5), 0, (), date(2026, 12, 7), id="ordered_on_saturday_case"),
        pytest.param(
            date(2026, 12, 24), 1, (CHRISTMAS,), date(2026, 12, 28), id="holiday_then_weekend_case"
        ),
        pytest.param(
            date(2026, 12, 23),
            3,
            (CHRISTMAS, date(2026, 12, 28)),
            date(2026, 12, 30),
            id="two_holidays_case",
        ),
    ],
)
def test_ship_by_date_skips_weekends_and_holidays(ordered_on, handling_days, holidays, expected):
    assert ship_by_date(ordered_on, handling_days, frozenset(holidays)) == expected


@given(
    ordered_on=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    handling_days=st.integers(min_value=0, max_value=40),
    holidays=st.frozensets(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2036, 6, 30)), max_size=30
    ),
)
def test_ship_by_is_a_business_day_with_exactly_the_handling_days_before_it(
    ordered_on, handling_days, holidays
):
    ship_by = ship_by_date(ordered_on, handling_days, holidays)

    assert is_business_day(ship_by, holidays)
    days = [ordered_on + timedelta(days=n) for n in range((ship_by - ordered_on).days + 1)]
    business = [day for day in days if is_business_day(day, holidays)]
    # counted from the first business day on or after the order date
    assert len(business) == handling_days + 1
    assert business[-1] == ship_by


def test_holidays_are_cleaned_sorted_and_bounded():
    assert clean_holidays("2026-12-25, 2026-01-01\n2026-12-25") == (
        date(2026, 1, 1),
        CHRISTMAS,
    )
    with pytest.raises(DomainValidationError) as bad:
        clean_holidays("2026-12-25 christmas")
    assert bad.value.errors == {"holidays": "Not a date as YYYY-MM-DD: christmas."}
    with pytest.raises(DomainValidationError):
        clean_holidays(" ".join(["2026-12-25"] * 201))

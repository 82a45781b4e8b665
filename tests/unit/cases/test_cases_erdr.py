"""ERDR registration numbers: format, parse and the Damm check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.cases.domain.erdr import ErdrNumber, damm_check_digit, has_valid_check_digit
from qorgau.cases.domain.errors import ErdrNumberError

numbers = st.builds(
    ErdrNumber,
    year=st.integers(2015, 2099),
    region=st.integers(1, 99),
    authority=st.integers(1, 99),
    unit=st.integers(0, 99),
    serial=st.integers(1, 999_999),
)


def test_number_prints_in_groups_of_four_with_the_check_digit_last() -> None:
    number = ErdrNumber(year=2026, region=11, authority=3, unit=0, serial=123)
    assert number.format() == "2611 0300 0001 230"
    assert len(number.digits) == 15


def test_damm_digit_of_the_published_example_is_four() -> None:
    # Damm's worked example: 572 → check digit 4.
    assert damm_check_digit("572") == "4"
    assert has_valid_check_digit("5724")


@given(numbers)
def test_format_and_parse_round_trip(number: ErdrNumber) -> None:
    assert ErdrNumber.parse(number.format()) == number
    assert ErdrNumber.parse(number.digits) == number
    assert ErdrNumber.parse(number.format().replace(" ", "-")) == number


@given(numbers, st.integers(0, 14), st.integers(1, 9))
def test_any_single_mistyped_digit_is_caught(number: ErdrNumber, position: int, shift: int) -> None:
    digits = number.digits
    wrong = digits[:position] + str((int(digits[position]) + shift) % 10) + digits[position + 1 :]
    with pytest.raises(ErdrNumberError, match="check digit"):
        ErdrNumber.parse(wrong)


@given(numbers, st.integers(0, 13))
def test_any_swap_of_two_adjacent_different_digits_is_caught(number: ErdrNumber, position: int) -> None:
    digits = number.digits
    if digits[position] == digits[position + 1]:
        return
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
    with pytest.raises(ErdrNumberError, match="check digit"):
        ErdrNumber.parse(swapped)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("2611 0300 0001 23", "14 digits"), ("2611 0300 0001 23X", "only digits"), ("", "empty")],
)
def test_malformed_numbers_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ErdrNumberError, match=problem):
        ErdrNumber.parse(text)


@pytest.mark.parametrize(
    "fields",
    [
        {"year": 2014, "region": 1, "authority": 1, "unit": 0, "serial": 1},
        {"year": 2026, "region": 0, "authority": 1, "unit": 0, "serial": 1},
        {"year": 2026, "region": 1, "authority": 1, "unit": 0, "serial": 0},
        {"year": 2026, "region": 1, "authority": 100, "unit": 0, "serial": 1},
    ],
)
def test_fields_out_of_range_are_refused(fields: dict[str, int]) -> None:
    with pytest.raises(ErdrNumberError):
        ErdrNumber(**fields)


def test_next_serial_counts_up_within_the_unit() -> None:
    number = ErdrNumber(2026, 31, 1, 2, 41)
    assert number.next_serial() == ErdrNumber(2026, 31, 1, 2, 42)
    assert number < number.next_serial()

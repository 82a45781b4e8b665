"""When temporary protection under Implementing Decision (EU) 2022/382 ends, day by day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.kernel.law import Citation
from qorgau.protection.domain.errors import TemporaryProtectionError
from qorgau.protection.domain.temporary_protection import (
    Activation,
    DurationRules,
    ProtectionAct,
    add_months,
    tp_end,
)
from qorgau.protection.rules import activation, load_activations

UKRAINE = activation("2022/382")


@pytest.mark.parametrize(
    ("on", "end", "last_act"),
    [
        # Implementing Decision (EU) 2022/382: one year from 4 March 2022.
        (date(2022, 3, 4), date(2023, 3, 4), "Council Implementing Decision (EU) 2022/382"),
        (date(2023, 3, 4), date(2023, 3, 4), "Council Implementing Decision (EU) 2022/382"),
        # Automatic six-month extensions (Directive art. 4(1)) count once they have begun.
        (date(2023, 3, 5), date(2023, 9, 4), "Directive 2001/55/EC"),
        (date(2023, 9, 4), date(2023, 9, 4), "Directive 2001/55/EC"),
        (date(2023, 9, 5), date(2024, 3, 4), "Directive 2001/55/EC"),
        # Council Implementing Decision (EU) 2023/2409 of 19 October 2023.
        (date(2023, 10, 18), date(2024, 3, 4), "Directive 2001/55/EC"),
        (date(2023, 10, 19), date(2025, 3, 4), "Council Implementing Decision (EU) 2023/2409"),
        # Council Implementing Decision (EU) 2024/1836 of 25 June 2024.
        (date(2024, 6, 24), date(2025, 3, 4), "Council Implementing Decision (EU) 2023/2409"),
        (date(2024, 6, 25), date(2026, 3, 4), "Council Implementing Decision (EU) 2024/1836"),
        # The 2025 extension to 4 March 2027 (adopted 15 July 2025).
        (date(2025, 7, 14), date(2026, 3, 4), "Council Implementing Decision (EU) 2024/1836"),
        (date(2025, 7, 15), date(2027, 3, 4), "Council Implementing Decision (EU) 2025/1460"),
        (date(2030, 1, 1), date(2027, 3, 4), "Council Implementing Decision (EU) 2025/1460"),
    ],
)
def test_end_as_things_stood_on_a_day(on: date, end: date, last_act: str) -> None:
    answer = tp_end(UKRAINE, on)
    assert answer.end == end
    assert answer.steps[-1].citation.code == last_act
    assert answer.steps[-1].sets_end == end


def test_before_the_activating_decision_there_is_nothing_to_answer() -> None:
    with pytest.raises(TemporaryProtectionError, match="adopted on 2022-03-04"):
        tp_end(UKRAINE, date(2022, 3, 3))


def test_after_the_last_end_protection_is_no_longer_in_force() -> None:
    assert tp_end(UKRAINE, date(2027, 3, 4)).in_force
    assert not tp_end(UKRAINE, date(2027, 3, 5)).in_force


def test_the_answer_lists_every_act_that_counted_with_its_citation() -> None:
    document = tp_end(UKRAINE, date(2024, 1, 1)).to_dict()
    assert document["end"] == "2025-03-04"
    assert [act["step"] for act in document["acts"]] == [
        "activation",
        "automatic_extension",
        "automatic_extension",
        "council_extension",
    ]
    assert document["acts"][1]["label"] == "Directive 2001/55/EC art. 4 part 1 (version 2001-08-07)"
    assert document["acts"][3]["code"] == "Council Implementing Decision (EU) 2023/2409"
    assert {"source", "verified", "counts_from", "sets_end"} <= set(document["acts"][0])


def test_the_2025_act_number_is_marked_unverified() -> None:
    act = UKRAINE.extensions[-1]
    assert act.sets_end == date(2027, 3, 4)
    assert act.citation.verified is False


def test_initial_end_follows_from_the_directive_and_matches_the_commission() -> None:
    # The Commission (COM(2025) 651): an initial period of one year, until 4 March 2023.
    assert UKRAINE.decision.sets_end == date(2023, 3, 4)
    assert UKRAINE.automatic_extensions() == [
        (date(2023, 3, 5), date(2023, 9, 4)),
        (date(2023, 9, 5), date(2024, 3, 4)),
    ]


def test_an_unknown_activation_is_refused_with_the_known_ones() -> None:
    with pytest.raises(TemporaryProtectionError, match="unknown activation '2001/1'; known: 2022/382"):
        activation("2001/1")


def test_persons_covered_are_given_in_three_languages() -> None:
    assert UKRAINE.persons_covered is not None
    assert "24 February 2022" in UKRAINE.persons_covered.en
    assert UKRAINE.persons_covered_citation is not None
    assert UKRAINE.persons_covered_citation.article == "2"
    assert set(load_activations()) == {"2022/382"}


# --- properties ---------------------------------------------------------------------------------------
days = st.dates(min_value=date(2022, 3, 4), max_value=date(2030, 12, 31))


@given(first=days, second=days)
def test_the_end_never_moves_earlier_as_time_passes(first: date, second: date) -> None:
    earlier, later = sorted((first, second))
    assert tp_end(UKRAINE, earlier).end <= tp_end(UKRAINE, later).end


@given(on=days)
def test_the_end_is_the_latest_end_of_what_counted(on: date) -> None:
    answer = tp_end(UKRAINE, on)
    assert answer.end == max(step.sets_end for step in answer.steps)
    assert all(step.counts_from <= on for step in answer.steps)


@given(start=st.dates(min_value=date(2001, 8, 7), max_value=date(2090, 1, 1)))
def test_an_activation_without_extensions_ends_at_most_two_years_on(start: date) -> None:
    durations = DurationRules(12, 6, 12, Citation(code="Directive 2001/55/EC", article="4", part="1"))
    decision = ProtectionAct("D", start, add_months(start, 12), Citation(code="D"), "activation")
    plain = Activation("D", None, start, decision, (), durations)
    assert tp_end(plain, start).end == add_months(start, 12)
    far = tp_end(plain, start + timedelta(days=3 * 366)).end
    assert far == add_months(start, 24)


@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 1, 1)), months=st.integers(0, 120))
def test_adding_months_keeps_the_day_unless_the_month_is_shorter(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)

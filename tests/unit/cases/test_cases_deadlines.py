"""Time limits from registration, with suspensions and extensions as procedural acts."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.cases.domain.deadlines import Extension, Suspension, Term, add_months, compute_deadline
from qorgau.cases.domain.errors import DeadlineError
from qorgau.cases.domain.forms import TIME_LIMIT_PARAMETERS, ProceedingForm
from qorgau.cases.domain.law import CasesLaw
from qorgau.cases.rules import load_law

ALMATY = dt.timezone(dt.timedelta(hours=5))
REGISTERED = dt.datetime(2026, 11, 25, 10, 30, tzinfo=ALMATY)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def test_a_term_in_days_ends_at_midnight_after_its_last_day() -> None:
    status = compute_deadline(REGISTERED, Term(15, "days"))
    assert status.due_at == dt.datetime(2026, 12, 11, 0, 0, tzinfo=ALMATY)
    assert status.remaining(REGISTERED + days(15)) == dt.timedelta(hours=13, minutes=30)


def test_a_term_in_months_ends_on_the_same_day_number_or_the_month_end() -> None:
    status = compute_deadline(dt.datetime(2026, 12, 31, 9, 0, tzinfo=ALMATY), Term(2, "months"))
    assert status.due_at == dt.datetime(2027, 3, 1, 0, 0, tzinfo=ALMATY)  # 28 Feb 2027, 24:00
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


def test_a_suspension_moves_the_due_moment_by_exactly_its_length() -> None:
    base = compute_deadline(REGISTERED, Term(10, "days"))
    start = REGISTERED + days(2)
    status = compute_deadline(
        REGISTERED, Term(10, "days"), [Suspension(start, start + days(7) + dt.timedelta(hours=3))]
    )
    assert status.due_at == base.due_at + days(7) + dt.timedelta(hours=3)
    assert status.suspended_for == days(7) + dt.timedelta(hours=3)


def test_an_open_suspension_stops_the_clock() -> None:
    start = REGISTERED + days(4)
    status = compute_deadline(REGISTERED, Term(10, "days"), [Suspension(start)])
    assert status.suspended and status.due_at is None
    assert status.remaining(start + days(100)) is None
    assert not status.is_overdue(start + days(100))
    assert status.remaining_when_suspended == compute_deadline(REGISTERED, Term(10, "days")).due_at - start


def test_an_extension_runs_on_from_the_old_due_moment() -> None:
    status = compute_deadline(
        REGISTERED, Term(2, "months"), [Extension(REGISTERED + days(50), Term(1, "months"))]
    )
    assert status.due_at == dt.datetime(2027, 2, 26, 0, 0, tzinfo=ALMATY)
    assert status.extensions == (Term(1, "months"),)
    assert not status.irregular_acts


def test_acts_after_the_term_ran_out_are_applied_but_reported() -> None:
    late = REGISTERED + days(30)
    status = compute_deadline(REGISTERED, Term(15, "days"), [Extension(late, Term(5, "days"))])
    assert status.irregular_acts and "after the term ended" in status.irregular_acts[0]


def test_overdue_and_due_soon_lists_read_the_status() -> None:
    status = compute_deadline(REGISTERED, Term(10, "days"))
    assert status.is_due_within(status.due_at - days(1), days(2))
    assert not status.is_due_within(status.due_at - days(5), days(2))
    assert status.is_overdue(status.due_at)
    assert not status.is_overdue(status.due_at - dt.timedelta(seconds=1))


@pytest.mark.parametrize(
    "acts",
    [
        [Suspension(REGISTERED - days(1), REGISTERED)],
        [Suspension(REGISTERED + days(3), REGISTERED + days(1))],
        [
            Suspension(REGISTERED + days(1), REGISTERED + days(5)),
            Suspension(REGISTERED + days(3), REGISTERED + days(6)),
        ],
        [Suspension(REGISTERED + days(1)), Extension(REGISTERED + days(2), Term(1, "days"))],
        [Extension(dt.datetime(2026, 12, 1), Term(1, "days"))],
    ],
    ids=["before-registration", "ends-before-start", "overlapping", "act-while-suspended", "naive-time"],
)
def test_inconsistent_acts_raise_deadline_error(acts: list[Suspension | Extension]) -> None:
    with pytest.raises(DeadlineError):
        compute_deadline(REGISTERED, Term(10, "days"), acts)


def test_a_naive_registration_time_is_refused() -> None:
    with pytest.raises(DeadlineError, match="UTC offset"):
        compute_deadline(dt.datetime(2026, 11, 25), Term(1, "days"))


suspensions = st.lists(st.tuples(st.integers(0, 40 * 24), st.integers(0, 20 * 24)), max_size=5).map(
    lambda pairs: sorted(pairs)
)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), suspensions)
def test_due_moment_equals_term_plus_total_suspension(term_days: int, pairs: list[tuple[int, int]]) -> None:
    acts, cursor = [], REGISTERED
    for gap, length in pairs:
        start = cursor + dt.timedelta(hours=gap)
        end = start + dt.timedelta(hours=length)
        acts.append(Suspension(start, end))
        cursor = end
    status = compute_deadline(REGISTERED, Term(term_days, "days"), acts)
    base = compute_deadline(REGISTERED, Term(term_days, "days")).due_at
    assert status.due_at == base + sum((a.end - a.start for a in acts), dt.timedelta(0))
    assert status.due_at >= REGISTERED + days(term_days)


@given(st.dates(dt.date(2015, 1, 1), dt.date(2090, 1, 1)), st.integers(0, 36))
def test_adding_months_never_overshoots_the_target_month(day: dt.date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def test_every_form_with_a_time_limit_has_a_dated_parameter() -> None:
    law: CasesLaw = load_law()
    on = dt.date(2026, 11, 25)
    limits = {form: Term.from_value(law.value(name, on)) for form, name in TIME_LIMIT_PARAMETERS.items()}
    assert limits[ProceedingForm.ACCELERATED] == Term(15, "days")
    assert load_law().value("accelerated_investigation_time_limit", dt.date(2012, 1, 1)) == {
        "amount": 10,
        "unit": "days",
    }
    assert ProceedingForm.WRIT not in limits  # a court procedure: the clock is the underlying form's

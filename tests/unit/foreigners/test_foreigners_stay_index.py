"""The stay index (first unlawful day per stay, in closed form) against the day-by-day judgement."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qorgau.foreigners.domain.facts import AssessmentRequest, PersonFacts, Status, parse_crossings
from qorgau.foreigners.domain.stay import assess_stay
from qorgau.foreigners.domain.stay_index import covered_islands, first_unlawful_days, index_person
from qorgau.foreigners.rules import default_rulebook

RULEBOOK = default_rulebook()


@st.composite
def people_with_records(draw: Any) -> dict[str, Any]:
    """Stays across the rule versions (2012, the Armenian and Kyrgyz accessions of 2015, 2023),
    sometimes touching, sometimes with visas or permits, for citizens of EAEU and other states
    and for stateless persons."""
    citizenships = draw(st.sampled_from([["RU"], ["AM"], ["KG"], ["UZ"], ["TR"], ["DE", "RU"], []]))
    if citizenships:
        status = draw(st.sampled_from(["visitor", "visitor", "temporary_resident", "permanent_resident"]))
    else:
        status = "stateless"
    day = draw(st.dates(min_value=date(2014, 6, 1), max_value=date(2025, 6, 1)))
    crossings: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=7))):
        length = draw(st.integers(min_value=1, max_value=130))
        exit_day = day + timedelta(days=length - 1)
        crossings.append({"entry": day.isoformat(), "exit": exit_day.isoformat()})
        day = exit_day + timedelta(days=draw(st.integers(min_value=0, max_value=200)))
    if draw(st.booleans()):
        crossings[-1]["exit"] = None
    permits = []
    first_entry = date.fromisoformat(crossings[0]["entry"])
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = first_entry + timedelta(days=draw(st.integers(min_value=-100, max_value=900)))
        kind = draw(st.sampled_from(["visa", "temporary_residence", "permanent_residence"]))
        length = draw(st.integers(min_value=1, max_value=400))
        until = None if kind == "permanent_residence" and draw(st.booleans()) else start + timedelta(length)
        permits.append(
            {
                "kind": kind,
                "valid_from": start.isoformat(),
                "valid_until": until.isoformat() if until else None,
            }
        )
    if status in ("temporary_resident", "permanent_resident") and not permits and draw(st.booleans()):
        status = "visitor"
    return {"citizenships": citizenships, "status": status, "crossings": crossings, "permits": permits}


def _days_of(crossing: Any, horizon: date) -> list[date]:
    last = crossing.exit or horizon
    return [crossing.entry + timedelta(days=i) for i in range((last - crossing.entry).days + 1)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people_with_records(), st.data())
def test_the_index_gives_the_first_unlawful_day_the_domain_finds_on_any_day_of_the_stay(
    record: dict[str, Any], data: Any
) -> None:
    crossings = parse_crossings(record["crossings"])
    request = AssessmentRequest.from_mapping(
        {
            "date": "2030-01-01",
            "person": {"status": record["status"], "citizenships": record["citizenships"]},
            "crossings": record["crossings"],
            "permits": record["permits"],
        },
        countries=RULEBOOK.countries,
    )
    index = first_unlawful_days(request.person, crossings, request.permits, RULEBOOK)
    stay = data.draw(st.sampled_from(crossings))
    days = _days_of(stay, stay.entry + timedelta(days=300))
    days = [d for d in days if sum(c.covers(d) for c in crossings) == 1]  # same-day re-entries aside
    assume(days)
    on = data.draw(st.sampled_from(days))
    judged = assess_stay(
        AssessmentRequest(on=on, person=request.person, crossings=crossings, permits=request.permits),
        RULEBOOK,
    )
    assert judged.current_stay is stay
    assert judged.first_unlawful_day == index[stay.index], (on, stay)
    if judged.first_unlawful_day is not None and judged.first_unlawful_day > stay.entry:
        assert judged.last_lawful_day == judged.first_unlawful_day - timedelta(days=1)


def test_a_visitor_with_fifty_days_used_breaks_the_window_on_the_ninety_first_day() -> None:
    crossings = parse_crossings([{"entry": "2026-06-01", "exit": "2026-07-20"}, {"entry": "2026-09-10"}])
    index = first_unlawful_days(PersonFacts(Status.VISITOR, ("RU",)), crossings, (), RULEBOOK)
    assert index == {0: date(2026, 6, 1) + timedelta(days=90), 1: date(2026, 10, 20)}


def test_a_visitor_from_a_thirty_day_state_breaks_the_per_stay_limit_first() -> None:
    crossings = parse_crossings([{"entry": "2025-03-01"}])
    index = first_unlawful_days(PersonFacts(Status.VISITOR, ("UZ",)), crossings, (), RULEBOOK)
    assert index == {0: date(2025, 3, 31)}


def test_a_stay_begun_before_27_january_2023_keeps_the_old_per_stay_limit() -> None:
    crossings = parse_crossings([{"entry": "2022-12-01"}])
    index = first_unlawful_days(PersonFacts(Status.VISITOR, ("RU",)), crossings, (), RULEBOOK)
    assert index == {0: date(2022, 12, 1) + timedelta(days=90)}


def test_a_stay_that_outlives_its_permit_breaks_the_day_after_the_permit_ends() -> None:
    request = AssessmentRequest.from_mapping(
        {
            "date": "2026-01-01",
            "person": {"status": "temporary_resident", "citizenships": ["CN"]},
            "crossings": [{"entry": "2025-01-10"}],
            "permits": [
                {"kind": "temporary_residence", "valid_from": "2025-01-10", "valid_until": "2025-12-31"}
            ],
        },
        countries=RULEBOOK.countries,
    )
    index = first_unlawful_days(request.person, request.crossings, request.permits, RULEBOOK)
    assert index == {0: date(2026, 1, 1)}


def test_refugees_and_residents_without_documents_are_never_limited() -> None:
    crossings = parse_crossings([{"entry": "2024-01-01"}])
    refugee = first_unlawful_days(PersonFacts(Status.REFUGEE, ("AF",)), crossings, (), RULEBOOK)
    resident = first_unlawful_days(PersonFacts(Status.PERMANENT_RESIDENT, ("CN",)), crossings, (), RULEBOOK)
    assert refugee == resident == {0: None}


def test_index_person_picks_a_status_under_which_limits_apply() -> None:
    assert index_person(["RU"]).status is Status.VISITOR
    assert index_person([]).status is Status.STATELESS
    assert index_person(["KZ", "RU"]).status is Status.CITIZEN


def test_touching_and_open_ended_documents_merge_into_one_island() -> None:
    request = AssessmentRequest.from_mapping(
        {
            "date": "2026-01-01",
            "person": {"status": "visitor", "citizenships": ["CN"]},
            "permits": [
                {"kind": "visa", "valid_from": "2025-01-01", "valid_until": "2025-01-31"},
                {"kind": "visa", "valid_from": "2025-02-01", "valid_until": "2025-03-31"},
                {"kind": "permanent_residence", "valid_from": "2025-03-15", "valid_until": None},
            ],
        },
        countries=RULEBOOK.countries,
    )
    assert covered_islands(request.permits) == [(date(2025, 1, 1), None)]

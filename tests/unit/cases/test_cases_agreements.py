"""The lifecycle of a procedural agreement (arts. 615, 623) as a state machine with named errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.cases.domain.agreements import (
    TRANSITIONS,
    AgreementKind,
    AgreementProcess,
    AgreementState,
    petition_forwarding_days,
)
from qorgau.cases.domain.errors import DeadlineError, IllegalAgreementTransition
from qorgau.cases.rules import load_law

ALMATY = dt.timezone(dt.timedelta(hours=5))
PETITION_AT = dt.datetime(2026, 11, 25, 12, 0, tzinfo=ALMATY)


def hours(n: float) -> dt.datetime:
    return PETITION_AT + dt.timedelta(hours=n)


def test_petition_goes_through_review_negotiation_signing_and_court_to_acceptance() -> None:
    process = AgreementProcess.petition(AgreementKind.PLEA, PETITION_AT)
    for step, state in enumerate(
        ["prosecutor_review", "negotiation", "signed", "in_court", "accepted"], start=1
    ):
        process = process.advance(state, hours(24 * step))
    assert process.state is AgreementState.ACCEPTED
    assert process.is_final
    assert process.history[0].state is AgreementState.PETITION


def test_court_can_send_the_agreement_back_for_renegotiation_and_a_new_one_is_signed() -> None:
    process = AgreementProcess.offered_by_prosecutor(AgreementKind.COOPERATION, PETITION_AT)
    assert process.state is AgreementState.NEGOTIATION
    process = (
        process.advance("signed", hours(1)).advance("in_court", hours(2)).advance("renegotiation", hours(3))
    )
    process = process.advance("negotiation", hours(4)).advance("signed", hours(5))
    assert process.state is AgreementState.SIGNED
    assert process.forwarding_due is None


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "signed"),
        ([], "in_court"),
        (["prosecutor_review"], "accepted"),
        (["prosecutor_review", "negotiation", "signed", "in_court", "returned"], "negotiation"),
        (["prosecutor_review", "refused"], "negotiation"),
    ],
)
def test_illegal_transitions_raise_a_named_error_listing_the_legal_ones(
    path: list[str], illegal: str
) -> None:
    process = AgreementProcess.petition(AgreementKind.PLEA, PETITION_AT)
    for step, state in enumerate(path, start=1):
        process = process.advance(state, hours(step))
    with pytest.raises(IllegalAgreementTransition) as caught:
        process.advance(illegal, hours(99))
    assert caught.value.current == process.state.value
    assert caught.value.wanted == illegal
    assert caught.value.allowed == tuple(s.value for s in TRANSITIONS[process.state])


def test_an_unknown_state_is_an_illegal_transition_too() -> None:
    with pytest.raises(IllegalAgreementTransition, match="'approved'"):
        AgreementProcess.petition(AgreementKind.PLEA, PETITION_AT).advance("approved", hours(1))


def test_a_move_back_in_time_is_refused() -> None:
    process = AgreementProcess.petition(AgreementKind.PLEA, PETITION_AT)
    with pytest.raises(DeadlineError):
        process.advance("prosecutor_review", hours(-1))


def test_the_petition_must_reach_the_prosecutor_within_three_days() -> None:
    days = petition_forwarding_days(load_law(), PETITION_AT.date())
    assert days == 3
    process = AgreementProcess.petition(AgreementKind.ASSET_RETURN, PETITION_AT, forwarding_days=days)
    assert process.forwarding_due == hours(72)
    assert not process.forwarding_overdue(hours(71))
    assert process.forwarding_overdue(hours(73))
    on_time = process.advance("prosecutor_review", hours(70))
    late = process.advance("prosecutor_review", hours(80))
    assert not on_time.forwarding_overdue(hours(500))
    assert late.forwarding_overdue(hours(500))


@given(st.lists(st.sampled_from(list(AgreementState)), max_size=12))
def test_any_sequence_of_moves_either_follows_the_table_or_raises(moves: list[AgreementState]) -> None:
    process = AgreementProcess.petition(AgreementKind.PLEA, PETITION_AT)
    for step, target in enumerate(moves, start=1):
        if target in TRANSITIONS[process.state]:
            process = process.advance(target, hours(step))
            assert process.state is target
        else:
            with pytest.raises(IllegalAgreementTransition):
                process.advance(target, hours(step))

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.image.domain.diversity import mtld, mtld_factors, ttr


def test_type_token_ratio_counts_distinct_forms() -> None:
    assert ttr(["мы", "мы", "вы", "они", "мы"]) == pytest.approx(3 / 5)
    assert ttr([]) == 0.0


def test_mtld_with_whole_factors_only() -> None:
    # forward  a a | b b | c : factors close at TTR 1/2 twice; "c" alone has TTR 1 → adds 0.
    # backward c b b | a a   : closes at b (2/3 = .667) and at a (1/2); nothing left.
    tokens = ["a", "a", "b", "b", "c"]
    assert mtld_factors(tokens) == 2
    assert mtld_factors(tokens[::-1]) == 2
    assert mtld(tokens) == pytest.approx(5 / 2)


def test_mtld_counts_an_unfinished_factor_as_a_fraction() -> None:
    # a b c a d: TTR never falls to 0.72 (lowest 3/4); end TTR 4/5 → (1 - 0.8) / (1 - 0.72) of a factor.
    tokens = ["a", "b", "c", "a", "d"]
    partial = (1 - 4 / 5) / (1 - 0.72)
    assert mtld_factors(tokens) == pytest.approx(partial)
    assert mtld(tokens) == pytest.approx(5 / partial)


def test_mtld_minimum_factor_length_delays_closing() -> None:
    # With min 3: forward a a b | b c → 1 factor + partial 0 → 5; backward c b b | a a → 1 + min(1, 0.5/0.28).
    tokens = ["a", "a", "b", "b", "c"]
    assert mtld(tokens, min_factor_length=3) == pytest.approx((5 / 1 + 5 / 2) / 2)


@given(st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=60, unique=True))
def test_mtld_of_a_text_without_repeats_is_its_length(tokens: list[str]) -> None:
    assert mtld(tokens) == pytest.approx(len(tokens))


@given(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=300))
def test_mtld_is_positive_and_the_same_read_backwards(tokens: list[str]) -> None:
    value = mtld(tokens)
    assert value > 0
    assert mtld(tokens[::-1]) == pytest.approx(value)

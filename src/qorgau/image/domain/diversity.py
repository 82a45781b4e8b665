"""Lexical diversity: type-token ratio and MTLD.

* **TTR**: distinct word forms / words (forms after :func:`qorgau.image.domain.text.normalise_word`,
  no lemmatisation, so Russian and Kazakh inflections count as distinct types).
* **MTLD** (McCarthy & Jarvis 2010): walk the text, counting words and types; each time the
  running TTR falls to the threshold (0.72) a *factor* closes and the count restarts; a last,
  unfinished factor counts as ``(1 - TTR) / (1 - 0.72)``. MTLD = words / factors, averaged over a
  forward and a backward pass. ``min_factor_length`` (0 by default, as in the paper) lets a factor
  close only once it has that many words; pip ``ruts`` uses 10.

>>> ttr(["a", "b", "a", "c"])
0.75
>>> mtld(["a", "b"] * 3)   # each pass: a factor closes at words 3 and 6 (TTR 2/3 <= 0.72)
3.0
"""

from __future__ import annotations

from collections.abc import Sequence

MTLD_THRESHOLD = 0.72


def ttr(tokens: Sequence[str]) -> float:
    """Type-token ratio; 0.0 for no tokens."""
    return len(set(tokens)) / len(tokens) if tokens else 0.0


def mtld_factors(
    tokens: Sequence[str], threshold: float = MTLD_THRESHOLD, min_factor_length: int = 0
) -> float:
    """Number of MTLD factors in one pass over ``tokens`` (the partial last one as a fraction)."""
    factors = 0.0
    types: set[str] = set()
    length = 0
    for token in tokens:
        types.add(token)
        length += 1
        if len(types) / length <= threshold and length >= min_factor_length:
            factors += 1
            types.clear()
            length = 0
    if length:
        factors += min(1.0, (1 - len(types) / length) / (1 - threshold))
    return factors


def mtld(tokens: Sequence[str], threshold: float = MTLD_THRESHOLD, min_factor_length: int = 0) -> float:
    """MTLD: mean of the forward and backward ``len(tokens) / factors``.

    A pass in which no word repeats has no factor; its length is then the number of tokens (the
    text is as diverse as it can show). 0.0 for no tokens.
    """
    if not tokens:
        return 0.0
    total = len(tokens)
    passes = []
    for sequence in (tokens, tokens[::-1]):
        factors = mtld_factors(sequence, threshold, min_factor_length)
        passes.append(total / factors if factors > 0 else float(total))
    return sum(passes) / 2

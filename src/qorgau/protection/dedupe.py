"""Duplicate registrations across states with Splink 4 (DuckDB): read, train, score, cluster.

The pipeline, for a registrations CSV (:data:`~qorgau.protection.domain.linkage.REGISTRATION_COLUMNS`):

1. **Read and check** every row (:func:`read_registrations`); a bad row stops the run with a
   :class:`~qorgau.protection.domain.linkage.RegistrationError` naming its line.
2. **Candidate features** (:func:`~qorgau.protection.domain.linkage.candidate_features`): names in
   any script re-transliterated into the canonical Latin (ICAO 9303, the kernel's
   ``canonical_latin``), the Latin variants of the first word under every scheme (Ukrainian
   national 2010, ICAO, Russian, Kazakh: ``latin_variants``), phonetic keys (``name_key``; Russian
   and Ukrainian forms of a given name mapped together), the birth date with day and month
   exchanged, a canonical document number.
3. **A Fellegi–Sunter model** (Splink ``Linker``, ``link_type="dedupe_only"``) comparing surname,
   first given name, birth date, sex, nationality, document and the registration itself (levels
   in :data:`~qorgau.protection.domain.linkage.COMPARISON_LEVELS`; exact name agreement is
   term-frequency adjusted). Training: the prior probability that two random registrations are
   one person from two deterministic rules (exact canonical names and birth date; exact document
   and issuing state), assuming they find :data:`DETERMINISTIC_RECALL` of the true pairs; u
   probabilities by random sampling (:data:`U_SAMPLE_PAIRS`); m probabilities by expectation
   maximisation in two sessions (:data:`EM_BLOCKS`, each on a hash-sampled share of its blocks).
   The m and u values in :func:`comparisons` are starting values, and all a file of fewer than
   :data:`MINIMUM_TRAINING_RECORDS` rows gets.
4. **Blocking** (:func:`blocking_rules`): which pairs are scored at all. The plain rules "same birth
   date" and "same surname-key prefix and birth year" grow with the square of the file; the rules
   used add a name initial to the first and the given-name key to the second, and catch what that
   loses with rules for mistyped, swapped or missing parts and exchanged names.
5. **Clusters**: Splink's ``cluster_pairwise_predictions_at_threshold`` (connected components of
   the pairs at or above the threshold); each cluster is summarised with its probability (the
   weakest link of its maximum spanning tree) and, from the comparison vector (gamma) columns, the
   weakest level each field reached on its links (``agreements``).

Threshold: :data:`DEFAULT_THRESHOLD` = 0.9. On a million synthetic registrations
(``bench/protection_dedupe.py --records 1000000``, seed 2022) it gave precision 0.987 and recall
0.972; on another million (seed 7) 0.985 / 0.973, where 0.8 gave 0.977 / 0.979, 0.95 gave
0.990 / 0.965 and 0.99 gave 0.996 / 0.925. So 0.9 meets the issue's target (≥ 0.98 / ≥ 0.95) with
room on both sides. Precision falls as a register grows (more namesakes, a smaller prior), so a
much larger register may want 0.95; a review queue may go lower to see more candidates.

Splink 4 is pinned (``splink>=4.0,<5``, built on 4.0.17): the ``Linker`` / ``SettingsCreator`` /
``block_on`` / ``comparison_library`` API used here is 4's. Splink 5 changes that API (inputs
registered as SplinkDataFrames, no pandas input, match weights instead of Bayes factors in the
outputs) and is better at scale (chunked ``predict``, faster u sampling with early stopping,
sampled blocking analysis); porting this module means changing how the table is registered and
how :func:`_parameters` reads the model, not the model itself.
"""

from __future__ import annotations

import csv
import logging
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from qorgau.protection.domain.linkage import (
    COMPARISON_LEVELS,
    FEATURE_COLUMNS,
    Cluster,
    Link,
    Registration,
    RegistrationError,
    agreement_label,
    candidate_features,
    check_header,
    clusters_from_assignments,
    parse_registration,
)

DEFAULT_THRESHOLD = 0.9
"""Default match probability at or above which two registrations are taken to be one person."""

DETERMINISTIC_RECALL = 0.6
"""Assumed share of true duplicate pairs that the two deterministic rules find (see the module docstring)."""

U_SAMPLE_PAIRS = 2_000_000
"""Random pairs sampled to estimate the u probabilities (fewer for small files)."""

EM_BLOCKS: tuple[tuple[str, ...], ...] = (("birth_date", "surname_initial"), ("document_number",))
"""The blocks of the two EM sessions. The first learns the names, sex, nationality and document (the
surname initial is a column no comparison reads, so the surname's m values are still learnt, from
blocks in which most pairs are the same person); the second, pairs sharing a document, learns the
birth date and, again, the names. Blocks where duplicates are rare (all pairs with one birth
date; all pairs with one name) let EM take relatives and namesakes for one person."""

EM_TARGET_PAIRS = 2_000_000
"""About how many blocked pairs each expectation-maximisation session learns from (whole blocks sampled)."""

EM_MINIMUM_PAIRS = 200
"""A session with fewer blocked pairs is skipped: the starting m values are kept for what it would learn."""

MINIMUM_TRAINING_RECORDS = 200
"""Below this many registrations (about 20,000 pairs) nothing is trained: a sample that small says
more about itself than about registers, so the starting values of :func:`comparisons` and
:func:`starting_prior` are used as they are."""

ASSUMED_DUPLICATES_PER_RECORD = 0.1
"""For an untrained model: duplicate pairs per registration (one registration in ten has a duplicate
elsewhere), which sets the prior probability that two registrations are one person."""

_VARIANT_SEPARATOR = "|"


def starting_prior(records: int) -> float:
    """The prior an untrained model uses: :data:`ASSUMED_DUPLICATES_PER_RECORD` × n pairs among n(n−1)/2.

    >>> starting_prior(1001)
    0.0002
    """
    if records < 2:
        return 0.5
    return min(0.5, ASSUMED_DUPLICATES_PER_RECORD * records / (records * (records - 1) / 2))


class ProgressReporter(Protocol):
    """Where the runner reports its stages; the command line draws them with rich on stderr."""

    def stage(self, description: str, total: int | None = None) -> None:
        """A new stage begins (``total`` units of work, or ``None`` for an indeterminate one)."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` more units of the current stage are done."""


class _Silent:
    def stage(self, description: str, total: int | None = None) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None


@dataclass(frozen=True)
class DedupeResult:
    """What a dedupe run found.

    ``clusters`` are groups of two or more registrations taken to be one person (largest first);
    ``pairs`` the number of scored pairs with a match probability at or above ``threshold`` (the
    links the clusters are built from; a cluster of n ids has at least n − 1 of them);
    ``candidate_pairs`` the pairs the blocking rules produced and the model scored;
    ``seconds`` the wall time per stage.
    """

    clusters: list[Cluster]
    pairs: int
    threshold: float
    records: int
    candidate_pairs: int | None
    seconds: dict[str, float] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, with_links: bool = False) -> dict[str, Any]:
        """The command's JSON document: ``{"clusters": [{"ids", "probability", "agreements"}], "pairs"}``…"""
        return {
            "clusters": [cluster.to_dict(with_links=with_links) for cluster in self.clusters],
            "pairs": self.pairs,
            "threshold": self.threshold,
            "records": self.records,
            "duplicated_records": sum(len(cluster.ids) for cluster in self.clusters),
        } | ({"candidate_pairs": self.candidate_pairs} if self.candidate_pairs is not None else {})


# --- reading ------------------------------------------------------------------------------------


def _decoded_lines(stream: BinaryIO, consumed: list[int]) -> Iterator[str]:
    """The file's lines as text (UTF-8, a leading byte-order mark dropped), counting bytes read."""
    for number, raw in enumerate(stream, start=1):
        consumed[0] += len(raw)
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise RegistrationError("not UTF-8 text", line=number) from None


def read_registrations(path: Path, progress: ProgressReporter | None = None) -> list[Registration]:
    """Read and check a registrations CSV (UTF-8, comma-separated, header line first).

    Raises :class:`RegistrationError` naming the file and line: missing file, undecodable text, a
    header without the required columns, a broken row, a duplicated id.
    """
    reporter = progress or _Silent()
    source = str(path)
    try:
        size = path.stat().st_size
        stream = path.open("rb")
    except FileNotFoundError:
        raise RegistrationError("no such file", source=source) from None
    except OSError as exc:
        raise RegistrationError(f"cannot read: {exc.strerror or exc}", source=source) from None
    registrations: list[Registration] = []
    seen: dict[str, int] = {}
    consumed = [0]
    reported = 0
    with stream:
        reader = csv.DictReader(_decoded_lines(stream, consumed))
        try:
            check_header(reader.fieldnames, source)
            reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or ()]
            reporter.stage("reading registrations", max(size, 1))
            for row in reader:
                line = reader.line_num
                registration = parse_registration(row, line)
                first = seen.setdefault(registration.id, line)
                if first != line:
                    raise RegistrationError(
                        f"id {registration.id!r} is already used on line {first}", line=line
                    )
                registrations.append(registration)
                if consumed[0] - reported >= 1 << 20:
                    reporter.advance(consumed[0] - reported)
                    reported = consumed[0]
        except RegistrationError as exc:
            if exc.source:
                raise
            raise RegistrationError(exc.reason, line=exc.line, source=source) from None
        except csv.Error as exc:
            raise RegistrationError(f"broken CSV: {exc}", line=reader.line_num, source=source) from None
    reporter.advance(max(size - reported, 0))
    return registrations


# --- the model ----------------------------------------------------------------------------------


TERM_FREQUENCY_MINIMUM_U = 0.0001
"""Floor of a name's term-frequency-adjusted u: a surname seen once in a million (often a typo)
must not outweigh everything else, or relatives sharing a rare surname would merge."""


def comparisons() -> list[Any]:
    """The Splink comparisons, level by level as :data:`COMPARISON_LEVELS` lists them.

    The m and u probabilities given here are starting values (rough shares for registrations of
    one person / of two different people); training replaces them.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    # Surname and given name exchanged is one event seen by both name comparisons: the surname
    # comparison weighs it, the given-name comparison's level is neutral (m = u, fixed), so the
    # evidence is not counted twice.
    exchanged_condition = '"surname_key_l" = "given_key_r" AND "given_key_l" = "surname_key_r"'

    def name_levels(prefix: str, exact_column: str, typo_threshold: float, *, given: bool) -> list[Any]:
        exchanged = cll.CustomLevel(exchanged_condition, label_for_charts="names exchanged")
        if given:
            exchanged.configure(
                m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True
            )
        else:
            exchanged.configure(m_probability=0.01, u_probability=0.000001)
        levels = [
            cll.NullLevel(exact_column),
            # Term-frequency adjusted: agreeing on Shevchenko says less than agreeing on a rare name.
            cll.ExactMatchLevel(exact_column, term_frequency_adjustments=True).configure(
                label_for_charts="exact",
                m_probability=0.6,
                u_probability=0.01,
                tf_minimum_u_value=TERM_FREQUENCY_MINIMUM_U,
            ),
            cll.ArrayIntersectLevel(f"{prefix}_variants", 1).configure(
                label_for_charts="transliteration", m_probability=0.12, u_probability=0.002
            ),
            cll.ExactMatchLevel(f"{prefix}_key").configure(
                label_for_charts="phonetic", m_probability=0.15, u_probability=0.004
            ),
            exchanged,
            cll.JaroWinklerLevel(exact_column, typo_threshold).configure(
                label_for_charts="typo", m_probability=0.05, u_probability=0.005
            ),
        ]
        if given:
            # Twins and siblings have given names with nothing in common; a typo-ridden or translated
            # name of one person still shares letters (Olena / Alena, Nadiia / Nadezhda).
            levels.append(
                cll.JaroWinklerLevel(exact_column, 0.7).configure(
                    label_for_charts="similar", m_probability=0.02, u_probability=0.1
                )
            )
        levels.append(cll.ElseLevel().configure(m_probability=0.02, u_probability=0.88))
        return levels

    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=name_levels("surname", "surname", 0.9, given=False),
        comparison_description="surname",
    )
    given_names = cl.CustomComparison(
        output_column_name="given_names",
        comparison_levels=name_levels("given", "given_first", 0.88, given=True),
        comparison_description="first given name",
    )
    one_edit = 'damerau_levenshtein("birth_date_l", "birth_date_r") <= 1'
    birth_date = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date").configure(
                label_for_charts="exact", m_probability=0.93, u_probability=0.00005
            ),
            cll.CustomLevel(
                '"birth_date_swapped_l" = "birth_date_r"', label_for_charts="day/month swapped"
            ).configure(m_probability=0.03, u_probability=0.00002),
            cll.CustomLevel(
                f'{one_edit} AND substr("birth_date_l", 1, 7) = substr("birth_date_r", 1, 7)',
                label_for_charts="day mistyped",
            ).configure(m_probability=0.01, u_probability=0.0005),
            cll.CustomLevel(
                f'{one_edit} AND substr("birth_date_l", 6, 5) = substr("birth_date_r", 6, 5)',
                label_for_charts="year mistyped",
            ).configure(m_probability=0.01, u_probability=0.0001),
            cll.ExactMatchLevel("birth_year").configure(
                label_for_charts="same year", m_probability=0.005, u_probability=0.015
            ),
            cll.ElseLevel().configure(m_probability=0.015, u_probability=0.984),
        ],
        comparison_description="birth date",
    )
    sex = cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(
                label_for_charts="exact", m_probability=0.98, u_probability=0.5
            ),
            cll.ElseLevel().configure(m_probability=0.02, u_probability=0.5),
        ],
    )
    nationality = cl.CustomComparison(
        output_column_name="nationality",
        comparison_levels=[
            cll.NullLevel("nationality"),
            cll.ExactMatchLevel("nationality").configure(
                label_for_charts="exact", m_probability=0.98, u_probability=0.8
            ),
            cll.ElseLevel().configure(m_probability=0.02, u_probability=0.2),
        ],
    )
    document = cl.CustomComparison(
        output_column_name="document",
        comparison_levels=[
            cll.NullLevel("document_number"),
            cll.And(
                cll.ExactMatchLevel("document_number"), cll.ExactMatchLevel("document_country")
            ).configure(label_for_charts="exact", m_probability=0.55, u_probability=0.000001),
            cll.ExactMatchLevel("document_number").configure(
                label_for_charts="same number", m_probability=0.03, u_probability=0.000001
            ),
            cll.DamerauLevenshteinLevel("document_number", 1).configure(
                label_for_charts="typo", m_probability=0.02, u_probability=0.00002
            ),
            cll.ElseLevel().configure(m_probability=0.40, u_probability=0.99997),
        ],
        comparison_description="identity document and issuing state",
    )
    # The registration itself: relatives (twins above all) register together, in one state on one
    # day, while a person registers in a state once. Fellegi–Sunter cannot learn that from EM (the
    # registers hold no household), so m is fixed by assumption: a second registration of one person
    # on the same day in the same state is an office's double entry (1 in 10,000; it carries the same
    # document, which outweighs this level), in the same state on another day a move within the
    # state (5%); u is sampled as usual.
    registration = cl.CustomComparison(
        output_column_name="registration",
        comparison_levels=[
            cll.Or(cll.NullLevel("registering_state"), cll.NullLevel("registration_date")).configure(
                is_null_level=True
            ),
            cll.And(
                cll.ExactMatchLevel("registering_state"), cll.ExactMatchLevel("registration_date")
            ).configure(
                label_for_charts="same state, same day", m_probability=0.0001, fix_m_probability=True
            ),
            cll.ExactMatchLevel("registering_state").configure(
                label_for_charts="same state", m_probability=0.05, fix_m_probability=True
            ),
            cll.ElseLevel().configure(
                label_for_charts="other state", m_probability=0.9499, fix_m_probability=True
            ),
        ],
        comparison_description="registering state and day",
    )
    return [surname, given_names, birth_date, sex, nationality, document, registration]


def blocking_rules() -> list[Any]:
    """The rules that choose which pairs are scored (a pair is scored when any one holds).

    Measured on the synthetic set (100,000 registrations): the plain pair "same birth date" and
    "same surname-key prefix and birth year" produce 1.2 million candidate pairs and find 98% of the
    true pairs; the candidate count grows with the square of the file, about 120 million at a
    million registrations, too many for five minutes on two cores. These rules narrow both by a
    name initial and add rules for what the narrowing loses; they produce 0.17 million pairs and
    find 99% of the true pairs:

    1. same birth date and same initial of the surname key (the key's first symbol is the same
       for Шевченко, Shevchenko, Szewczenko);
    2. same birth date and same initial of the given-name key (a surname with another initial);
    3. same surname key, given-name key and birth year (day and month swapped or mistyped);
    4. same surname key, given-name key, month and day (the year mistyped);
    5. same day-and-month-swapped birth date and surname initial (03.07 / 07.03, other name keys);
    6. surname and given name exchanged (each key equal to the other's);
    7. same document number.
    """
    from splink import block_on

    return [
        block_on("birth_date", "surname_initial"),
        block_on("birth_date", "given_initial"),
        block_on("surname_key", "given_key", "birth_year"),
        block_on("surname_key", "given_key", "substr(birth_date, 6, 5)"),
        "l.birth_date_swapped = r.birth_date AND l.surname_initial = r.surname_initial",
        "l.surname_key = r.given_key AND l.given_key = r.surname_key",
        block_on("document_number"),
    ]


def settings(prior: float = 1e-5) -> Any:
    """The Splink ``SettingsCreator`` of the model (``prior``: two random registrations are one person)."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,  # the gamma columns come with them (agreements per field)
        retain_intermediate_calculation_columns=False,
    )


# --- the run ------------------------------------------------------------------------------------

_ARRAY_COLUMNS = frozenset({"surname_variants", "given_variants"})


def _feature_columns(
    registrations: Sequence[Registration], reporter: ProgressReporter
) -> dict[str, list[Any]]:
    """Column lists of :data:`FEATURE_COLUMNS` (variant tuples joined by ``|`` for the trip into DuckDB)."""
    columns: dict[str, list[Any]] = {name: [] for name in FEATURE_COLUMNS}
    appenders = [(name, columns[name].append, name in _ARRAY_COLUMNS) for name in FEATURE_COLUMNS]
    reporter.stage("preparing names (canonical Latin, variants, keys)", len(registrations))
    step = 10_000
    joined: dict[tuple[str, ...], str] = {}
    for index, registration in enumerate(registrations, start=1):
        features = candidate_features(registration)
        for name, append, is_array in appenders:
            value = features[name]
            if is_array and value:
                text = joined.get(value)
                if text is None:
                    text = joined[value] = _VARIANT_SEPARATOR.join(value)
                value = text
            append(value)
        if index % step == 0:
            reporter.advance(step)
    reporter.advance(len(registrations) % step)
    return columns


@contextmanager
def _quiet_splink() -> Iterator[None]:
    """Keep Splink's INFO chatter off the terminal (stdout carries the JSON document)."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _timed(seconds: dict[str, float], name: str, started: float) -> float:
    now = time.perf_counter()
    seconds[name] = round(now - started, 3)
    return now


def dedupe_registrations(
    registrations: Sequence[Registration],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: ProgressReporter | None = None,
    seed: int = 42,
    train: bool = True,
    count_candidates: bool = False,
) -> DedupeResult:
    """Find registrations of one person among ``registrations`` (see the module docstring).

    ``threshold`` is the match probability at or above which a pair is linked (0 < threshold ≤ 1);
    ``train=False`` scores with the starting m and u values only (so does a file of fewer than
    :data:`MINIMUM_TRAINING_RECORDS` rows); ``count_candidates`` also counts the pairs the blocking
    rules produce (one more pass of blocking; ``None`` otherwise). Raises :class:`ValueError` for a
    threshold outside (0, 1].
    """
    if not 0.0 < threshold <= 1.0 or math.isnan(threshold):
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    reporter = progress or _Silent()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if len(registrations) < 2:
        return DedupeResult([], 0, threshold, len(registrations), 0 if count_candidates else None, seconds)
    columns = _feature_columns(registrations, reporter)
    started = _timed(seconds, "features", started)

    import duckdb
    from splink import DuckDBAPI, Linker

    records = len(registrations)
    connection = duckdb.connect()
    try:
        with _quiet_splink():
            _load_table(connection, columns)
            del columns
            linker = Linker(
                "registrations",
                settings(starting_prior(records)),
                DuckDBAPI(connection),
                set_up_basic_logging=False,
            )
            started = _timed(seconds, "load", started)
            model: dict[str, Any] = {"trained": False}
            if train and records >= MINIMUM_TRAINING_RECORDS:
                reporter.stage("training the model (prior, u sampling, EM)", 4)
                model = _train(linker, connection, records, seed, reporter)
                started = _timed(seconds, "training", started)
            model["parameters"] = _parameters(linker)
            reporter.stage("scoring candidate pairs", None)
            predictions = linker.inference.predict(threshold_match_probability=threshold)
            candidate_pairs = _count_candidate_pairs(connection) if count_candidates else None
            started = _timed(seconds, "scoring", started)
            reporter.stage("clustering", None)
            clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold
            )
            links = _links(connection, predictions.physical_name)
            assignments = _assignments(connection, clustered.physical_name)
    finally:
        connection.close()
    clusters = clusters_from_assignments(assignments, links)
    _timed(seconds, "clustering", started)
    return DedupeResult(
        clusters=clusters,
        pairs=len(links),
        threshold=threshold,
        records=records,
        candidate_pairs=candidate_pairs,
        seconds=seconds,
        model=model,
    )


def _load_table(connection: Any, columns: dict[str, list[Any]]) -> None:
    """Create the ``registrations`` table Splink reads (variant lists split back into arrays)."""
    import pandas as pd

    connection.execute("SET enable_progress_bar = false")
    connection.register("registrations_frame", pd.DataFrame(columns))
    connection.execute(
        f"""
        CREATE TABLE registrations AS
        SELECT * EXCLUDE (surname_variants, given_variants, birth_year),
               CAST(birth_year AS INTEGER) AS birth_year,
               string_split(surname_variants, '{_VARIANT_SEPARATOR}') AS surname_variants,
               string_split(given_variants, '{_VARIANT_SEPARATOR}') AS given_variants
        FROM registrations_frame
        """
    )
    connection.unregister("registrations_frame")


def _links(connection: Any, predictions_table: str) -> list[Link]:
    """The scored pairs at or above the threshold, with each field's level read from its gamma column."""
    gamma_columns = ", ".join(f"gamma_{name}" for name in COMPARISON_LEVELS)
    rows = connection.execute(
        f"SELECT unique_id_l, unique_id_r, match_probability, {gamma_columns} FROM {predictions_table}"
    ).fetchall()
    return [
        Link(
            str(left),
            str(right),
            float(probability),
            {
                name: agreement_label(name, gamma)
                for name, gamma in zip(COMPARISON_LEVELS, gammas, strict=True)
            },
        )
        for left, right, probability, *gammas in rows
    ]


def _assignments(connection: Any, clustered_table: str) -> dict[str, str]:
    """Registration id → Splink's cluster id, for the clusters of two or more registrations only."""
    rows = connection.execute(
        f"""
        SELECT unique_id, cluster_id FROM {clustered_table}
        WHERE cluster_id IN (SELECT cluster_id FROM {clustered_table} GROUP BY cluster_id HAVING count(*) > 1)
        """
    ).fetchall()
    return {str(record): str(cluster) for record, cluster in rows}


def _em_blocking_rule(connection: Any, columns: Sequence[str], target_pairs: int) -> tuple[str, int]:
    """Equality on ``columns``, keeping a hash-chosen share of the blocks: about ``target_pairs`` remain.

    Whole blocks are kept or dropped, so the pairs kept are a random sample of the blocked pairs
    and expectation maximisation learns the same m probabilities from a fraction of the work.
    """
    grouped = ", ".join(columns)
    present = " AND ".join(f"{column} IS NOT NULL" for column in columns)
    rows = connection.execute(
        f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM "
        f"(SELECT count(*) AS n FROM registrations WHERE {present} GROUP BY {grouped})"
    ).fetchall()  # fetchall: DuckDB 2 keeps a connection busy until its result is drained
    pairs = int(rows[0][0]) if rows else 0
    modulus = max(1, math.ceil(pairs / target_pairs))
    condition = " AND ".join(f"l.{column} = r.{column}" for column in columns)
    if modulus > 1:
        condition += f" AND hash(l.{columns[0]}) % {modulus} = 0"
    return condition, pairs // modulus


def _train(
    linker: Any, connection: Any, records: int, seed: int, reporter: ProgressReporter
) -> dict[str, Any]:
    """Train the prior, u and m (see the module docstring); a step with nothing to learn from is skipped."""
    from splink import block_on

    model: dict[str, Any] = {"trained": True, "skipped": [], "em_rules": []}
    try:
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("surname", "given_first", "birth_date"),
                block_on("document_number", "document_country"),
            ],
            recall=DETERMINISTIC_RECALL,
        )
    except Exception as exc:  # Splink raises plain exceptions when a rule finds no pair
        model["skipped"].append(f"prior: {exc}")
    reporter.advance()
    max_pairs = min(U_SAMPLE_PAIRS, max(records * (records - 1) // 2, 1))
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    reporter.advance()
    for columns in EM_BLOCKS:
        rule, pairs = _em_blocking_rule(connection, columns, EM_TARGET_PAIRS)
        if pairs < EM_MINIMUM_PAIRS:
            # Too little to learn from; a failed Splink session would also leave the model without
            # the comparisons it set aside, so the session is not even started.
            model["skipped"].append(f"EM on {rule}: about {pairs} pairs, fewer than {EM_MINIMUM_PAIRS}")
            continue
        model["em_rules"].append(rule)
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
        reporter.advance()
    return model


def _parameters(linker: Any) -> list[dict[str, Any]]:
    """The trained m and u probabilities, level by level (for reports and the benchmark)."""
    model = linker.misc.save_model_to_json()
    rows: list[dict[str, Any]] = [
        {
            "comparison": "prior",
            "probability_two_random_records_match": model["probability_two_random_records_match"],
        }
    ]
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            rows.append(
                {
                    "comparison": comparison["output_column_name"],
                    "level": level.get("label_for_charts"),
                    "m": level.get("m_probability"),
                    "u": level.get("u_probability"),
                }
            )
    return rows


def _count_candidate_pairs(connection: Any) -> int:
    """How many distinct pairs the blocking rules produce (what the model scores)."""
    from splink import DuckDBAPI
    from splink.blocking_analysis import cumulative_comparisons_to_be_scored_from_blocking_rules_data

    counts = cumulative_comparisons_to_be_scored_from_blocking_rules_data(
        table_or_tables="registrations",
        blocking_rules=blocking_rules(),
        link_type="dedupe_only",
        db_api=DuckDBAPI(connection),
    )
    return int(counts["row_count"].sum())


def dedupe_file(
    path: Path,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: ProgressReporter | None = None,
) -> DedupeResult:
    """Read ``path`` (see :func:`read_registrations`) and run :func:`dedupe_registrations` on it."""
    started = time.perf_counter()
    registrations = read_registrations(path, progress)
    read_seconds = round(time.perf_counter() - started, 3)
    result = dedupe_registrations(registrations, threshold=threshold, progress=progress)
    result.seconds["read"] = read_seconds
    return result

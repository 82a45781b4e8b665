"""``qorgau image …``: survey profiles against the ideal, speech analysis, reports.

Contracts (issue 7; extended compatibly with more keys):

* ``qorgau image profile SURVEY --scales SCALES.yaml --ideal OBJECT --json`` →
  ``{"n", "objects": {"<object>": {"means", "ci", "epa", "d_to_ideal", "d_ci", …}}, "flags", …}``
* ``qorgau image speech FILE.txt --lang ru|kk|en --json`` →
  ``{"sentences", "words", "readability": {"flesch", …}, "ttr", "mtld", "pronouns": {"i", "we",
  "you", "they"}, "categories": {…}, …}``
* ``qorgau image speeches DIR [--lang ru|kk|en] --json`` → every speech's measures in time order.
* ``qorgau image report SURVEY --scales … --ideal … --out report.pdf|.html [--speeches DIR]``

Bad input exits 2 with one line on stderr; a report is written whole or not at all. Progress bars
go to stderr, and only when stderr is a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qorgau.image.domain.errors import ImageError
from qorgau.image.domain.profiles import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    ProfileAnalysis,
    analyse_profiles,
    analyse_segments,
)
from qorgau.image.domain.scales import FACTORS, ScaleFile
from qorgau.image.domain.speech import (
    DatedSpeech,
    SpeechAnalysis,
    SpeechComparison,
    analyse_speech,
    compare_speeches,
)
from qorgau.image.domain.survey import build_ratings
from qorgau.image.domain.text import SPEECH_LANGUAGES, clean_text, guess_language
from qorgau.image.importers import (
    lexicon_index,
    load_scale_file,
    read_speech,
    read_survey,
    speech_date,
    speech_files,
)
from qorgau.image.reports import REPORT_LANGUAGES, check_report_target, write_report
from qorgau.kernel.clitools import JsonOption, emit_json, fail

app = typer.Typer(
    name="image",
    help="Leader image analytics: surveys (ideal against perceived image), speech analysis, reports.",
    no_args_is_help=True,
)

SurveyArgument = Annotated[
    Path,
    typer.Argument(help="Survey export: LimeSurvey/KoboToolbox CSV, SPSS .sav or XLSX.", show_default=False),
]
ScalesOption = Annotated[Path, typer.Option("--scales", help="Scale file (YAML).", show_default=False)]
IdealOption = Annotated[
    str, typer.Option("--ideal", help="The object that is the ideal image.", show_default=False)
]
SegmentOption = Annotated[
    str | None, typer.Option("--segment", help="Also profile each value of this column (age group, region…).")
]
ResamplesOption = Annotated[int, typer.Option("--resamples", help="Bootstrap resamples.", min=1)]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap's random generator.")]
ConfidenceOption = Annotated[float, typer.Option("--confidence", help="Confidence level of the intervals.")]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet to read (default: the first).")]


def _stderr() -> Console:
    return Console(stderr=True)


@contextmanager
def _progress(description: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, hidden when stderr is not a terminal; yields ``update(done, total)``."""
    console = _stderr()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=total)

        def update(done: int, new_total: int) -> None:
            progress.update(task, completed=done, total=new_total)

        yield update


def _check_language_option(language: str, allowed: tuple[str, ...], option: str) -> str:
    if language not in allowed:
        fail(f"{option} must be one of {', '.join(allowed)}, not {language!r}")
    return language


def _run_profiles(
    survey: Path,
    scales: Path,
    ideal: str,
    segment: str | None,
    resamples: int,
    seed: int,
    confidence: float,
    sheet: str | None,
) -> tuple[ProfileAnalysis, ScaleFile]:
    """Load, validate and analyse; every ImageError becomes exit 2 with one line."""
    if not 0 < confidence < 1:
        fail(f"--confidence must be between 0 and 1 (e.g. 0.95), not {confidence}")
    try:
        scale_file = load_scale_file(scales)
        if ideal not in scale_file.objects:
            fail(f"--ideal {ideal!r} is not an object of {scales} ({', '.join(scale_file.objects)})")
        table = read_survey(survey, sheet=sheet)
        if segment is not None and table.find_column(segment) is None:
            fail(f"--segment: the survey has no column {segment!r}")
        ratings = build_ratings(table, scale_file)
        with _progress("bootstrap", resamples) as update:
            if segment is None:
                analysis = analyse_profiles(
                    ratings,
                    scale_file,
                    ideal,
                    resamples=resamples,
                    seed=seed,
                    confidence=confidence,
                    progress=update,
                )
            else:
                cells = table.column_values(segment)
                analysis = analyse_segments(
                    ratings,
                    scale_file,
                    ideal,
                    segment,
                    cells,
                    resamples=resamples,
                    seed=seed,
                    confidence=confidence,
                    progress=update,
                )
    except ImageError as error:
        fail(str(error))
    return analysis, scale_file


def _print_profiles(analysis: ProfileAnalysis) -> None:
    console = Console()
    table = Table(
        title=f"n = {analysis.respondents}; ideal = {analysis.ideal}; E/P/A from {analysis.epa_source}"
    )
    for column in ("object", "n", *FACTORS, "D to ideal", f"{analysis.confidence:.0%} interval"):
        table.add_column(column)
    for name, profile in analysis.objects.items():
        table.add_row(
            name,
            str(profile.respondents),
            *["—" if profile.epa[f] is None else f"{profile.epa[f]:.2f}" for f in FACTORS],
            f"{profile.d_to_ideal:.2f}",
            f"{profile.d_ci[0]:.2f} – {profile.d_ci[1]:.2f}",
        )
    console.print(table)
    flagged = sorted({row for rows in analysis.straight_lining.values() for row in rows})
    if flagged:
        console.print(f"straight-lining rows: {', '.join(map(str, flagged))}")
    if analysis.unrated_objects:
        console.print(f"not rated: {', '.join(analysis.unrated_objects)}")


@app.command("profile")
def profile_command(
    survey: SurveyArgument,
    scales: ScalesOption,
    ideal: IdealOption,
    segment: SegmentOption = None,
    resamples: ResamplesOption = DEFAULT_RESAMPLES,
    seed: SeedOption = 0,
    confidence: ConfidenceOption = DEFAULT_CONFIDENCE,
    sheet: SheetOption = None,
    json_output: JsonOption = False,
) -> None:
    """Profiles of every rated object: means with bootstrap intervals, E/P/A, D to the ideal."""
    analysis, _ = _run_profiles(survey, scales, ideal, segment, resamples, seed, confidence, sheet)
    if json_output:
        emit_json(analysis.to_dict())
    else:
        _print_profiles(analysis)


def _analyse_file(path: Path, language: str | None) -> SpeechAnalysis:
    """Analyse one speech file; ``language`` None means: take the language the text is written in."""
    text = read_speech(path)
    if language is None:
        detected = guess_language(clean_text(text)).language
        if detected not in SPEECH_LANGUAGES:
            raise ImageError(f"{path}: cannot tell whether the text is ru, kk or en; give --lang")
        language = detected
    try:
        return analyse_speech(text, language, lexicon_index(language))
    except ImageError as error:
        raise ImageError(f"{path}: {error}") from error


def _print_speech(analysis: SpeechAnalysis) -> None:
    console = Console()
    table = Table(title=f"{analysis.language}: {analysis.sentences} sentences, {analysis.words} words")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in analysis.measures().items():
        table.add_row(name, f"{value:.2f}" if isinstance(value, float) else str(value))
    console.print(table)
    if analysis.key_terms:
        console.print("key terms: " + ", ".join(f"{t.term} ({t.count})" for t in analysis.key_terms))


@app.command("speech")
def speech_command(
    file: Annotated[Path, typer.Argument(help="The speech as a UTF-8 text file.", show_default=False)],
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the text: ru, kk or en.", show_default=False)
    ],
    json_output: JsonOption = False,
) -> None:
    """Psycholinguistic measures of one speech: readability, diversity, pronouns, categories."""
    _check_language_option(lang, SPEECH_LANGUAGES, "--lang")
    try:
        analysis = _analyse_file(file, lang)
    except ImageError as error:
        fail(str(error))
    if json_output:
        emit_json(analysis.to_dict())
    else:
        _print_speech(analysis)


def _compare_directory(directory: Path, language: str | None) -> SpeechComparison:
    files = speech_files(directory)
    speeches = []
    with _progress("speeches", len(files)) as update:
        for number, path in enumerate(files, start=1):
            speeches.append(
                DatedSpeech(label=path.name, date=speech_date(path), analysis=_analyse_file(path, language))
            )
            update(number, len(files))
    return compare_speeches(speeches)


@app.command("speeches")
def speeches_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of .txt speeches (dates in names: 2024-03-01_*.txt).")
    ],
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of every text (default: each text's own).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Compare speeches and follow their measures over time."""
    if lang is not None:
        _check_language_option(lang, SPEECH_LANGUAGES, "--lang")
    try:
        comparison = _compare_directory(directory, lang)
    except ImageError as error:
        fail(str(error))
    if json_output:
        emit_json(comparison.to_dict())
        return
    console = Console()
    table = Table(title=f"{len(comparison.speeches)} speeches")
    shown = [m for m in ("words", "flesch", "mtld", "i", "we", "you", "they") if m in comparison.measures]
    for column in ("speech", "date", *shown):
        table.add_column(column)
    for speech in comparison.speeches:
        measures = speech.analysis.measures()
        table.add_row(
            speech.label,
            speech.date.isoformat() if speech.date else "—",
            *[f"{measures[m]:.1f}" if isinstance(measures[m], float) else str(measures[m]) for m in shown],
        )
    console.print(table)


@app.command("report")
def report_command(
    survey: SurveyArgument,
    scales: ScalesOption,
    ideal: IdealOption,
    out: Annotated[Path, typer.Option("--out", help="Report file: .pdf or .html.", show_default=False)],
    speeches: Annotated[
        Path | None, typer.Option("--speeches", help="Folder of .txt speeches to add as a time series.")
    ] = None,
    speech_lang: Annotated[
        str | None, typer.Option("--speech-lang", help="Language of the speeches (default: each text's own).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: ru, kk or en.")] = "en",
    segment: SegmentOption = None,
    resamples: ResamplesOption = DEFAULT_RESAMPLES,
    seed: SeedOption = 0,
    confidence: ConfidenceOption = DEFAULT_CONFIDENCE,
    sheet: SheetOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write the PDF or HTML report: snake plot, E/P/A plot, D table, speeches over time."""
    _check_language_option(lang, REPORT_LANGUAGES, "--lang")
    if speech_lang is not None:
        _check_language_option(speech_lang, SPEECH_LANGUAGES, "--speech-lang")
    try:
        check_report_target(out, lang)
    except ImageError as error:
        fail(str(error))
    analysis, scale_file = _run_profiles(survey, scales, ideal, segment, resamples, seed, confidence, sheet)
    try:
        comparison = _compare_directory(speeches, speech_lang) if speeches is not None else None
        write_report(out, analysis, scale_file, survey_name=survey.name, comparison=comparison, language=lang)
    except ImageError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{out}: cannot write the report: {error.strerror or error}")
    if json_output:
        emit_json(
            {
                "report": str(out),
                "format": out.suffix.lower().lstrip("."),
                "n": analysis.respondents,
                "objects": list(analysis.objects),
                "speeches": len(comparison.speeches) if comparison else 0,
            }
        )
    else:
        typer.echo(f"report written: {out}")

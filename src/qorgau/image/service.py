"""Use cases of the image module: add surveys and speeches, and compute what the analyst reads.

Verbs (STYLE.md): ``do_*`` validates, stores and audits in the caller's transaction; ``access_*``
loads one stored object with the permission check built in; ``*_for`` computes an analysis from
stored inputs. Nothing derived is stored: profiles, speech measures, comparisons and reports are
computed from the uploaded file, the scale file and the texts on every request, with the same
domain functions and defaults as ``qorgau image …`` on the command line, so the page, the API and
the CLI agree on the same file.

A refused input raises :class:`InvalidImageInput` (a ``ValueError``), whose ``field`` names the form
field at fault (``survey``, ``scales``, ``ideal``, ``text``, ``language`` …) and whose ``columns``
name the survey columns at fault; its message is the domain's own one-line error. A missing survey
or speech raises :class:`SurveyNotFound` / :class:`SpeechNotFound` (``LookupError``, so 404).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from sqlalchemy.orm import Session

from qorgau.image.domain.errors import (
    ImageError,
    InvalidAnswerError,
    MissingColumnsError,
    ScaleFileError,
    SpeechError,
    WrongLanguageError,
)
from qorgau.image.domain.profiles import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    MISSING_SEGMENT,
    ProfileAnalysis,
    analyse_profiles,
    analyse_segments,
    segment_label,
)
from qorgau.image.domain.scales import ScaleFile, parse_scale_file
from qorgau.image.domain.speech import DatedSpeech, SpeechAnalysis, SpeechComparison, analyse_speech
from qorgau.image.domain.speech import compare_speeches as compare_dated_speeches
from qorgau.image.domain.survey import SurveyTable, build_ratings
from qorgau.image.domain.text import SPEECH_LANGUAGES
from qorgau.image.importers import SURVEY_SUFFIXES, lexicon_index, read_survey
from qorgau.image.permissions import IMAGE_READ, IMAGE_WRITE
from qorgau.image.reports import REPORT_LANGUAGES, build_html_report, build_pdf_report
from qorgau.image.store import ImageRepository, SpeechRow, SurveyRow
from qorgau.kernel.audit.service import do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission

MAX_SURVEY_BYTES = 20 * 1024 * 1024
MAX_SCALE_FILE_CHARACTERS = 1024 * 1024
MAX_SPEECH_CHARACTERS = 1_000_000
# An upload is validated by a full analysis with this many resamples: every error a profile can
# raise (an unrated ideal, a scale nobody answered, too few ratings for factor analysis) is found
# at upload, not later on the profile page. Few resamples suffice to find errors.
VALIDATION_RESAMPLES = 20
# A column splits the audience into segments when it has 2..12 distinct answers and is not unique
# per respondent (an id, a timestamp).
MOST_SEGMENTS = 12
REPORT_FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
_PROBLEM_COLUMN = re.compile(r"^column (.+?), row \d+:")


class InvalidImageInput(ImageError):
    """An input the image module refuses; ``field`` names the form field, ``columns`` the survey columns."""

    def __init__(self, message: str, *, field: str, columns: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.columns = tuple(columns)


class SurveyNotFound(LookupError):
    """No survey has this id."""


class SpeechNotFound(LookupError):
    """No speech has this id."""


@dataclass(frozen=True)
class SurveyProfile:
    """A stored survey with its scale file, its analysis and the columns that can segment it."""

    survey: SurveyRow
    scale_file: ScaleFile
    analysis: ProfileAnalysis
    segment_columns: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class SpeechResult:
    """A stored speech and its analysis."""

    speech: SpeechRow
    analysis: SpeechAnalysis


@dataclass(frozen=True)
class StoredComparison:
    """Stored speeches compared over time; ``speech_ids`` follow ``comparison.speeches``."""

    comparison: SpeechComparison
    speech_ids: tuple[int, ...]
    speakers: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """A report ready to download."""

    filename: str
    media_type: str
    content: bytes


# --- reading the inputs ---------------------------------------------------------------------------


def clean_filename(filename: str | None, default: str) -> str:
    """The last part of an uploaded file's name (browsers may send a path), at most 255 characters.

    >>> clean_filename("C:\\\\Users\\\\a\\\\export.csv", "survey.csv")
    'export.csv'
    """
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    return (name or default)[-255:]


def parse_scales(text: str) -> ScaleFile:
    """The scale file from its YAML text; raises :class:`InvalidImageInput` on field ``scales``."""
    if not text.strip():
        raise InvalidImageInput("the scale file is empty", field="scales")
    if len(text) > MAX_SCALE_FILE_CHARACTERS:
        raise InvalidImageInput("the scale file is larger than 1 MB", field="scales")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InvalidImageInput(f"the scale file is not valid YAML{where}", field="scales") from None
    try:
        return parse_scale_file(document)
    except ScaleFileError as error:
        raise InvalidImageInput(f"scale file: {error}", field="scales") from error


def scale_text_from_upload(content: bytes) -> str:
    """The text of an uploaded scale file (UTF-8, BOM allowed)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidImageInput(
            f"the scale file is not UTF-8 text (byte {error.start})", field="scales"
        ) from None


def read_survey_upload(filename: str, content: bytes) -> SurveyTable:
    """Read an uploaded survey export with the module's importers (by the file name's suffix).

    The importers read files, so the bytes go to a private temporary file for the read; error
    messages name the uploaded file, not the temporary one.
    """
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in SURVEY_SUFFIXES:
        raise InvalidImageInput(
            f"{filename}: unknown survey format {suffix or '(no suffix)'}; use .csv, .sav or .xlsx",
            field="survey",
        )
    if not content:
        raise InvalidImageInput(f"{filename}: the file is empty", field="survey")
    with tempfile.TemporaryDirectory(prefix="qorgau-image-") as directory:
        path = Path(directory) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            return read_survey(path)
        except ImageError as error:
            raise InvalidImageInput(str(error).replace(str(path), filename), field="survey") from error


def _columns_at_fault(table: SurveyTable, scale_file: ScaleFile, error: ImageError) -> list[str]:
    if isinstance(error, MissingColumnsError):
        return [
            column
            for scale in scale_file.scales
            for _, column in scale.columns
            if table.find_column(column) is None
        ]
    if isinstance(error, InvalidAnswerError):
        found = (_PROBLEM_COLUMN.match(problem) for problem in error.problems)
        return list(dict.fromkeys(match.group(1) for match in found if match))
    return []


def segment_columns(table: SurveyTable, scale_file: ScaleFile) -> tuple[str, ...]:
    """Columns that split the respondents into a few groups (age group, region, language).

    A column qualifies when its answers take 2 to 12 values and some value repeats (an id or a
    timestamp, different for everyone who has one, does not); the scales' columns never do.
    """
    used = {
        table.columns[index]
        for scale in scale_file.scales
        for _, column in scale.columns
        if (index := table.find_column(column)) is not None
    }
    found = []
    for index, name in enumerate(table.columns):
        if name in used:
            continue
        given = [label for row in table.rows if (label := segment_label(row[index])) != MISSING_SEGMENT]
        distinct = len(set(given))
        if 2 <= distinct <= MOST_SEGMENTS and distinct < len(given):
            found.append(name)
    return tuple(found)


def _analyse(
    table: SurveyTable,
    scale_file: ScaleFile,
    ideal: str,
    segment: str | None,
    *,
    resamples: int,
    seed: int,
    confidence: float,
) -> ProfileAnalysis:
    """The profile analysis, as ``qorgau image profile`` runs it; errors name the field."""
    if ideal not in scale_file.objects:
        raise InvalidImageInput(
            f"the ideal {ideal!r} is not an object of the scale file ({', '.join(scale_file.objects)})",
            field="ideal",
        )
    if segment is not None and table.find_column(segment) is None:
        raise InvalidImageInput(f"the survey has no column {segment!r}", field="segment")
    try:
        ratings = build_ratings(table, scale_file)
        if segment is None:
            return analyse_profiles(
                ratings, scale_file, ideal, resamples=resamples, seed=seed, confidence=confidence
            )
        return analyse_segments(
            ratings,
            scale_file,
            ideal,
            segment,
            table.column_values(segment),
            resamples=resamples,
            seed=seed,
            confidence=confidence,
        )
    except ImageError as error:
        raise InvalidImageInput(
            str(error), field="survey", columns=_columns_at_fault(table, scale_file, error)
        ) from error


# --- surveys --------------------------------------------------------------------------------------


def do_add_survey(
    session: Session,
    actor: Principal,
    *,
    name: str,
    filename: str,
    content: bytes,
    scales_text: str,
    ideal: str,
) -> SurveyRow:
    """Validate an uploaded survey and store it; nothing is stored when any check fails.

    The file is read by the importer of its format, the scale file is parsed, and a full profile
    analysis is run, so every error the profile page could meet is met here. Raises
    :class:`InvalidImageInput` with the domain's message (missing columns, answers outside 1..7,
    no rated objects, a malformed scale file …) and the field at fault.
    """
    check_permission(actor, IMAGE_WRITE)
    filename = clean_filename(filename, "survey.csv")
    if len(content) > MAX_SURVEY_BYTES:
        raise InvalidImageInput(f"{filename}: the file is larger than 20 MB", field="survey")
    scale_file = parse_scales(scales_text)
    ideal = ideal.strip()
    if not ideal:
        raise InvalidImageInput(
            f"name the ideal object, one of: {', '.join(scale_file.objects)}", field="ideal"
        )
    table = read_survey_upload(filename, content)
    analysis = _analyse(
        table,
        scale_file,
        ideal,
        None,
        resamples=VALIDATION_RESAMPLES,
        seed=0,
        confidence=DEFAULT_CONFIDENCE,
    )
    title = name.strip() or PurePosixPath(filename).stem
    if len(title) > 200:
        raise InvalidImageInput("the survey's name is longer than 200 characters", field="name")
    digest = hashlib.sha256(content).hexdigest()
    row = ImageRepository(session).add_survey(
        SurveyRow(
            name=title,
            filename=filename,
            file_format=SURVEY_SUFFIXES[PurePosixPath(filename).suffix.lower()],
            content=content,
            content_sha256=digest,
            scales_yaml=scales_text,
            ideal=ideal,
            respondents=analysis.respondents,
            created_by=actor.username,
        )
    )
    do_record(
        session,
        actor,
        "image.survey.upload",
        "image_survey",
        row.id,
        details={
            "name": title,
            "filename": filename,
            "bytes": len(content),
            "sha256": digest,
            "respondents": analysis.respondents,
            "objects": list(scale_file.objects),
            "ideal": ideal,
            "source": table.source,
        },
    )
    return row


def list_surveys(session: Session, actor: Principal) -> list[SurveyRow]:
    check_permission(actor, IMAGE_READ)
    return ImageRepository(session).surveys()


def access_survey(session: Session, actor: Principal, survey_id: int) -> SurveyRow:
    """The stored survey, or :class:`SurveyNotFound`."""
    check_permission(actor, IMAGE_READ)
    row = ImageRepository(session).survey(survey_id)
    if row is None:
        raise SurveyNotFound(f"no survey {survey_id}")
    return row


def survey_objects(row: SurveyRow) -> tuple[str, ...]:
    """The objects of a stored survey's scale file (validated at upload)."""
    return parse_scales(row.scales_yaml).objects


def survey_summary(row: SurveyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "filename": row.filename,
        "format": row.file_format,
        "sha256": row.content_sha256,
        "respondents": row.respondents,
        "objects": list(survey_objects(row)),
        "ideal": row.ideal,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
    }


def profile_for(
    session: Session,
    actor: Principal,
    survey_id: int,
    segment: str | None = None,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
) -> SurveyProfile:
    """The profiles of a stored survey (and of each value of ``segment``), computed now.

    Defaults equal the command line's (1,000 resamples, seed 0, 95 %), so
    ``profile_for(…).analysis.to_dict()`` equals ``qorgau image profile … --json`` on the same files.
    """
    if not 1 <= resamples <= 20_000:
        raise InvalidImageInput("resamples must be between 1 and 20000", field="resamples")
    if not 0 < confidence < 1:
        raise InvalidImageInput("confidence must be between 0 and 1, e.g. 0.95", field="confidence")
    row = access_survey(session, actor, survey_id)
    scale_file = parse_scales(row.scales_yaml)
    table = read_survey_upload(row.filename, row.content)
    analysis = _analyse(
        table, scale_file, row.ideal, segment or None, resamples=resamples, seed=seed, confidence=confidence
    )
    return SurveyProfile(
        survey=row,
        scale_file=scale_file,
        analysis=analysis,
        segment_columns=segment_columns(table, scale_file),
        source=table.source,
    )


def report_for(
    session: Session,
    actor: Principal,
    survey_id: int,
    format: str,
    *,
    language: str = "en",
    segment: str | None = None,
) -> Report:
    """The PDF or HTML report of a survey, with the speeches of its objects over time.

    Speeches whose speaker is one of the survey's objects (``leader_a`` …) are added as a time
    series. The download is recorded in the audit log: a report is how results leave the system.
    """
    if format not in REPORT_FORMATS:
        raise InvalidImageInput(f"format must be pdf or html, not {format!r}", field="format")
    if language not in REPORT_LANGUAGES:
        raise InvalidImageInput(f"language must be ru, kk or en, not {language!r}", field="lang")
    profile = profile_for(session, actor, survey_id, segment)
    speeches = [
        row for row in ImageRepository(session).speeches() if row.speaker in profile.scale_file.objects
    ]
    comparison = _compare_rows(speeches).comparison if speeches else None
    arguments: dict[str, Any] = {
        "survey_name": profile.survey.name,
        "comparison": comparison,
        "language": language,
    }
    if format == "pdf":
        content = build_pdf_report(profile.analysis, profile.scale_file, **arguments)
    else:
        content = build_html_report(profile.analysis, profile.scale_file, **arguments).encode("utf-8")
    do_record(
        session,
        actor,
        "image.report.download",
        "image_survey",
        survey_id,
        details={"format": format, "language": language, "segment": segment, "speeches": len(speeches)},
    )
    return Report(
        filename=f"image-report-{survey_id}-{language}.{format}",
        media_type=REPORT_FORMATS[format],
        content=content,
    )


# --- speeches -------------------------------------------------------------------------------------


def speech_text_from_upload(content: bytes, filename: str = "speech.txt") -> str:
    """The text of an uploaded ``.txt`` speech: UTF-8 (BOM allowed), not empty, not binary."""
    if not content.strip():
        raise InvalidImageInput(f"{filename}: the file is empty", field="text_file")
    if b"\x00" in content:
        raise InvalidImageInput(f"{filename}: the file is binary (NUL bytes), not a text", field="text_file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidImageInput(
            f"{filename}: not a UTF-8 text (undecodable byte at {error.start})", field="text_file"
        ) from None


def _analyse_text(text: str, language: str) -> SpeechAnalysis:
    if language not in SPEECH_LANGUAGES:
        raise InvalidImageInput(f"language must be ru, kk or en, not {language!r}", field="language")
    if len(text) > MAX_SPEECH_CHARACTERS:
        raise InvalidImageInput("the text is longer than 1,000,000 characters", field="text")
    try:
        return analyse_speech(text, language, lexicon_index(language))
    except WrongLanguageError as error:
        raise InvalidImageInput(str(error), field="language") from error
    except SpeechError as error:
        raise InvalidImageInput(str(error), field="text") from error


def do_add_speech(
    session: Session,
    actor: Principal,
    *,
    title: str,
    speaker: str,
    language: str,
    text: str,
    delivered_on: dt.date | None = None,
    source_filename: str | None = None,
) -> SpeechRow:
    """Check and store a speech; raises :class:`InvalidImageInput` naming the field.

    The text is analysed before it is stored, so an empty text, a binary one or one written in
    another language than ``language`` is refused with the domain's message.
    """
    check_permission(actor, IMAGE_WRITE)
    title, speaker = title.strip(), speaker.strip()
    if not title:
        raise InvalidImageInput("give the speech a title", field="title")
    if len(title) > 300:
        raise InvalidImageInput("the title is longer than 300 characters", field="title")
    if not speaker:
        raise InvalidImageInput(
            "name the speaker (e.g. the object rated in the survey: leader_a)", field="speaker"
        )
    if len(speaker) > 200:
        raise InvalidImageInput("the speaker's name is longer than 200 characters", field="speaker")
    analysis = _analyse_text(text, language)
    row = ImageRepository(session).add_speech(
        SpeechRow(
            title=title,
            speaker=speaker,
            delivered_on=delivered_on,
            language=language,
            text=text,
            source_filename=clean_filename(source_filename, "speech.txt") if source_filename else None,
            created_by=actor.username,
        )
    )
    do_record(
        session,
        actor,
        "image.speech.add",
        "image_speech",
        row.id,
        details={
            "title": title,
            "speaker": speaker,
            "language": language,
            "delivered_on": delivered_on.isoformat() if delivered_on else None,
            "words": analysis.words,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
    )
    return row


def list_speeches(session: Session, actor: Principal, speaker: str | None = None) -> list[SpeechRow]:
    check_permission(actor, IMAGE_READ)
    return ImageRepository(session).speeches(speaker)


def access_speech(session: Session, actor: Principal, speech_id: int) -> SpeechRow:
    """The stored speech, or :class:`SpeechNotFound`."""
    check_permission(actor, IMAGE_READ)
    row = ImageRepository(session).speech(speech_id)
    if row is None:
        raise SpeechNotFound(f"no speech {speech_id}")
    return row


def speech_summary(row: SpeechRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "speaker": row.speaker,
        "date": row.delivered_on.isoformat() if row.delivered_on else None,
        "language": row.language,
        "source_filename": row.source_filename,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
    }


def speech_for(session: Session, actor: Principal, speech_id: int) -> SpeechResult:
    """A stored speech and its analysis, computed now (as ``qorgau image speech … --json``)."""
    row = access_speech(session, actor, speech_id)
    return SpeechResult(speech=row, analysis=_analyse_text(row.text, row.language))


def _compare_rows(rows: Sequence[SpeechRow]) -> StoredComparison:
    dated = {
        row.id: DatedSpeech(row.title, row.delivered_on, _analyse_text(row.text, row.language))
        for row in rows
    }
    comparison = compare_dated_speeches(list(dated.values()))
    by_object = {id(speech): speech_id for speech_id, speech in dated.items()}
    return StoredComparison(
        comparison=comparison,
        speech_ids=tuple(by_object[id(speech)] for speech in comparison.speeches),
        speakers=tuple(sorted({row.speaker for row in rows})),
    )


def compare_speeches(session: Session, actor: Principal, *, speaker: str | None = None) -> StoredComparison:
    """Every stored speech (or one speaker's) analysed and lined up by date.

    Only measures every compared speech has are compared (a Kazakh speech has no Flesch–Kincaid
    grade), so comparing one speaker in one language keeps the most measures.
    """
    rows = list_speeches(session, actor, speaker or None)
    return _compare_rows(rows)


def speakers(session: Session, actor: Principal) -> list[str]:
    check_permission(actor, IMAGE_READ)
    return ImageRepository(session).speakers()

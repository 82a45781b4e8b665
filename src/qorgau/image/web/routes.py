"""Pages of the image module for the analyst: surveys and speeches, profiles, comparison, reports.

Every page computes what it shows from the stored inputs through ``image.service``; the plots are
drawn on the server by ``image.reports`` and inlined as SVG (no script, no asset from the internet).
Reports are downloaded from the API (``/api/v1/image/surveys/{id}/report``), which the signed-in
session may call.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape
from matplotlib.figure import Figure
from sqlalchemy.orm import Session

from qorgau.image.domain.profiles import ProfileAnalysis
from qorgau.image.domain.readability import CALIBRATED, FORMULAS
from qorgau.image.domain.scales import FACTORS
from qorgau.image.domain.text import SPEECH_LANGUAGES, WORD_PATTERN, normalise_word
from qorgau.image.importers import load_lexicon
from qorgau.image.permissions import IMAGE_READ, IMAGE_WRITE
from qorgau.image.reports import epa_plot, render_figure, snake_plot, speech_series_plot
from qorgau.image.service import (
    MAX_SURVEY_BYTES,
    InvalidImageInput,
    compare_speeches,
    do_add_speech,
    do_add_survey,
    list_speeches,
    list_surveys,
    profile_for,
    scale_text_from_upload,
    speakers,
    speech_for,
    speech_text_from_upload,
    survey_objects,
)
from qorgau.kernel import i18n
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.i18n import gettext as _
from qorgau.kernel.web.deps import DbSession, require
from qorgau.kernel.web.templating import register_nav, render

router = APIRouter(prefix="/image", include_in_schema=False)
register_nav("Leader image", "/image", IMAGE_READ, order=50)

Reader = Annotated[Principal, Depends(require(IMAGE_READ))]
Writer = Annotated[Principal, Depends(require(IMAGE_WRITE))]
OptionalUpload = Annotated[UploadFile | None, File()]
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
SERIES_COLUMNS = ("words", "flesch", "mtld", "i", "we", "you", "they", "certainty", "obligation")


# --- labels in the reader's language ------------------------------------------------------------


def measure_labels() -> dict[str, str]:
    """Names of speech measures and lexicon categories in the current language."""
    return {
        "sentences": _("Sentences"),
        "words": _("Words"),
        "flesch": _("Flesch reading ease"),
        "flesch_kincaid_grade": _("Flesch–Kincaid grade"),
        "smog": _("SMOG grade"),
        "lix": _("LIX readability index"),
        "ttr": _("Type–token ratio (TTR)"),
        "mtld": _("Lexical diversity (MTLD)"),
        "i": _("I"),
        "we": _("we"),
        "you": _("you"),
        "they": _("they"),
        "first_person_plural_endings": _("“We” endings (-мыз/-міз…)"),
        "certainty": _("Certainty"),
        "tentative": _("Tentativeness"),
        "obligation": _("Obligation"),
        "positive_emotion": _("Positive emotion"),
        "anxiety": _("Anxiety"),
        "anger": _("Anger"),
        "sadness": _("Sadness"),
        "achievement": _("Achievement"),
        "power": _("Power"),
        "economy": _("Economy"),
        "security": _("Security"),
        "social": _("Social policy"),
        "foreign_policy": _("Foreign policy"),
        "governance": _("Governance"),
    }


def short_labels() -> dict[str, str]:
    """Shorter names for the columns of the comparison table."""
    return {"flesch": _("Flesch"), "mtld": "MTLD", "obligation": _("Obligation"), "certainty": _("Certainty")}


def group_labels() -> dict[str, str]:
    return {
        "person": _("Person"),
        "modality": _("Modality"),
        "emotion": _("Emotion"),
        "drive": _("Drives"),
        "topic": _("Topics"),
    }


def language_labels() -> dict[str, str]:
    return {"ru": _("Russian"), "kk": _("Kazakh"), "en": _("English")}


def factor_labels() -> dict[str, str]:
    return {"E": _("Evaluation"), "P": _("Potency"), "A": _("Activity")}


# --- rendering helpers --------------------------------------------------------------------------


def inline_svg(figure: Figure, label: str) -> Markup:
    """A matplotlib figure as inline SVG, announced to screen readers as one image named ``label``."""
    svg = render_figure(figure, "svg").decode("utf-8")
    svg = svg[svg.find("<svg") :]
    # The RDF metadata names matplotlib's web site and vocabularies: no use on a page, and a page
    # must name no address outside the product.
    svg = _METADATA.sub("", svg, count=1)
    # The SVG is drawn by matplotlib from our own figure; only the label is text from outside.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def translate_epa_axis(figure: Figure) -> Figure:
    """Name the factors under the E/P/A bars in the reader's language (the plot names them in English)."""
    names = factor_labels()
    for axes in figure.axes:
        ticks = [label.get_text() for label in axes.get_xticklabels()]
        if ticks and all(text[:1] in names for text in ticks):
            axes.set_xticks(axes.get_xticks(), [f"{text[0]} — {names[text[0]]}" for text in ticks])
    return figure


def translate_panel_titles(figure: Figure) -> Figure:
    """Title each panel of the speech time series with the measure's name in the reader's language."""
    labels = measure_labels()
    for axes in figure.axes:
        title = axes.get_title()
        axes.set_title(labels.get(title, title), fontsize=9)
    return figure


def highlight(text: str, hits: Iterable[str]) -> Markup:
    """``text`` escaped, with every word whose normalised form is in ``hits`` marked."""
    wanted = set(hits)
    if not wanted:
        return Markup(escape(text))
    parts: list[str] = []
    end = 0
    for match in WORD_PATTERN.finditer(text):
        parts.append(str(escape(text[end : match.start()])))
        word = match.group()
        if normalise_word(word) in wanted:
            parts.append(f"<mark>{escape(word)}</mark>")
        else:
            parts.append(str(escape(word)))
        end = match.end()
    parts.append(str(escape(text[end:])))
    return Markup("".join(parts))


def refusal(error: InvalidImageInput) -> dict[str, Any]:
    return {"message": str(error), "field": error.field, "columns": list(error.columns)}


# --- overview -----------------------------------------------------------------------------------


@router.get("")
def overview_page(request: Request, session: DbSession, principal: Reader) -> Response:
    surveys = [(row, survey_objects(row)) for row in list_surveys(session, principal)]
    speeches = list_speeches(session, principal)
    return render(
        request,
        "image/overview.html",
        principal,
        surveys=surveys,
        speeches=speeches,
        language_names=language_labels(),
        added=request.query_params.get("added"),
    )


# --- surveys ------------------------------------------------------------------------------------


def _survey_form(
    request: Request,
    principal: Principal,
    *,
    form: dict[str, str] | None = None,
    error: InvalidImageInput | None = None,
) -> Response:
    return render(
        request,
        "image/survey_new.html",
        principal,
        status_code=422 if error else 200,
        form=form or {"ideal": "ideal"},
        error=refusal(error) if error else None,
        max_megabytes=MAX_SURVEY_BYTES // (1024 * 1024),
    )


@router.get("/surveys/new")
def new_survey_form(request: Request, principal: Writer) -> Response:
    return _survey_form(request, principal)


@router.post("/surveys/new")
def upload_survey(
    request: Request,
    session: DbSession,
    principal: Writer,
    survey: OptionalUpload = None,
    scales: OptionalUpload = None,
    scales_text: Annotated[str, Form()] = "",
    ideal: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "ideal": ideal, "scales_text": scales_text}
    try:
        if survey is None or not survey.filename:
            raise InvalidImageInput(_("Choose the survey file."), field="survey")
        if scales is not None and scales.filename:
            text = scale_text_from_upload(scales.file.read(1024 * 1024 + 1))
        elif scales_text.strip():
            text = scales_text
        else:
            raise InvalidImageInput(_("Choose the scale file or paste its text."), field="scales")
        row = do_add_survey(
            session,
            principal,
            name=name,
            filename=survey.filename,
            content=survey.file.read(MAX_SURVEY_BYTES + 1),
            scales_text=text,
            ideal=ideal,
        )
    except InvalidImageInput as error:
        session.rollback()
        return _survey_form(request, principal, form=form, error=error)
    return RedirectResponse(f"/image/surveys/{row.id}?added=1", status_code=303)


def _segment_rows(analysis: ProfileAnalysis) -> list[dict[str, Any]]:
    """One row per segment value and object: n, D and its interval."""
    rows = []
    for value, segment in analysis.segments.items():
        for name, profile in segment.objects.items():
            if name == analysis.ideal:
                continue
            rows.append({"value": value, "object": name, "n": segment.respondents, "profile": profile})
    return rows


@router.get("/surveys/{survey_id}")
def profile_page(
    request: Request,
    survey_id: int,
    session: DbSession,
    principal: Reader,
    segment: str = "",
    value: str = "",
) -> Response:
    try:
        result = profile_for(session, principal, survey_id, segment or None)
    except InvalidImageInput as error:
        if error.field != "segment":
            raise
        return RedirectResponse(f"/image/surveys/{survey_id}", status_code=303)
    overall = result.analysis
    shown = overall.segments.get(value, overall) if segment and value else overall
    language = i18n.current_language()
    title = _("Profile of the ideal and the perceived images")
    return render(
        request,
        "image/profile.html",
        principal,
        survey=result.survey,
        source=result.source,
        scale_file=result.scale_file,
        overall=overall,
        analysis=shown,
        segment=segment if overall.segment_column else "",
        value=value if shown is not overall else "",
        segment_columns=result.segment_columns,
        segment_rows=_segment_rows(overall),
        flagged=sorted({row for rows in overall.straight_lining.values() for row in rows}),
        factors=FACTORS,
        factor_names=factor_labels(),
        snake_svg=inline_svg(snake_plot(shown, result.scale_file, language), title),
        epa_svg=inline_svg(
            translate_epa_axis(epa_plot(shown, language)),
            _("Evaluation, potency and activity of every object"),
        ),
        language=language,
        added=request.query_params.get("added"),
    )


# --- speeches -----------------------------------------------------------------------------------


def _speech_form(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    form: dict[str, str] | None = None,
    error: InvalidImageInput | None = None,
) -> Response:
    known = set(speakers(session, principal))
    for row in list_surveys(session, principal):
        known.update(name for name in survey_objects(row) if name != row.ideal)
    return render(
        request,
        "image/speech_new.html",
        principal,
        status_code=422 if error else 200,
        form=form or {"language": i18n.current_language()},
        error=refusal(error) if error else None,
        known_speakers=sorted(known),
        speech_languages=SPEECH_LANGUAGES,
        language_names=language_labels(),
    )


@router.get("/speeches/new")
def new_speech_form(request: Request, session: DbSession, principal: Writer) -> Response:
    return _speech_form(request, session, principal)


@router.post("/speeches/new")
def add_speech(
    request: Request,
    session: DbSession,
    principal: Writer,
    text_file: OptionalUpload = None,
    title: Annotated[str, Form()] = "",
    speaker: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    delivered_on: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "title": title,
        "speaker": speaker,
        "language": language,
        "delivered_on": delivered_on,
        "text": text,
    }
    try:
        date = None
        if delivered_on.strip():
            try:
                date = dt.date.fromisoformat(delivered_on.strip())
            except ValueError:
                raise InvalidImageInput(_("Give the date as YYYY-MM-DD."), field="delivered_on") from None
        source_filename = None
        if text_file is not None and text_file.filename:
            source_filename = text_file.filename
            text = speech_text_from_upload(text_file.file.read(4 * 1024 * 1024), text_file.filename)
        elif not text.strip():
            raise InvalidImageInput(_("Paste the text of the speech or choose a .txt file."), field="text")
        row = do_add_speech(
            session,
            principal,
            title=title,
            speaker=speaker,
            language=language,
            text=text,
            delivered_on=date,
            source_filename=source_filename,
        )
    except InvalidImageInput as error:
        session.rollback()
        return _speech_form(request, session, principal, form=form, error=error)
    return RedirectResponse(f"/image/speeches/{row.id}?added=1", status_code=303)


@router.get("/speeches/compare")
def comparison_page(request: Request, session: DbSession, principal: Reader, speaker: str = "") -> Response:
    stored = compare_speeches(session, principal, speaker=speaker or None)
    comparison = stored.comparison
    language = i18n.current_language()
    series_svg = None
    if comparison.speeches:
        series_svg = inline_svg(
            translate_panel_titles(speech_series_plot(comparison, language=language)),
            _("Speech measures over time"),
        )
    columns = [name for name in SERIES_COLUMNS if name in comparison.measures]
    return render(
        request,
        "image/compare.html",
        principal,
        rows=list(zip(stored.speech_ids, comparison.speeches, strict=True)),
        columns=columns,
        changes=comparison.changes,
        speakers=speakers(session, principal),
        speaker=speaker,
        series_svg=series_svg,
        labels=measure_labels(),
        short_labels=short_labels(),
        language_names=language_labels(),
    )


@router.get("/speeches/{speech_id}")
def speech_page(request: Request, speech_id: int, session: DbSession, principal: Reader) -> Response:
    result = speech_for(session, principal, speech_id)
    analysis = result.analysis
    lexicon = load_lexicon(analysis.language)
    descriptions = {category.name: category.description for category in lexicon.categories}
    passages: dict[str, Any] = analysis.passages
    return render(
        request,
        "image/speech.html",
        principal,
        speech=result.speech,
        analysis=analysis,
        formulas=FORMULAS[analysis.language],
        calibrated=CALIBRATED[analysis.language],
        descriptions=descriptions,
        passages=passages,
        labels=measure_labels(),
        groups=group_labels(),
        language_names=language_labels(),
        highlight=highlight,
        added=request.query_params.get("added"),
    )

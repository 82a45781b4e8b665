"""Image module API under ``/api/v1/image``: thin handlers over ``image.service``.

* ``GET  /image/surveys`` — the stored surveys; ``POST /image/surveys`` — upload (multipart:
  ``survey`` file, ``scales`` file or ``scales_text``, ``ideal``, optional ``name``).
* ``GET  /image/surveys/{id}`` — one survey; ``…/profile`` — the profile document, the same shape
  as ``qorgau image profile … --json`` (``?segment=``, ``resamples``, ``seed``, ``confidence``);
  ``…/report?format=pdf|html&lang=ru|kk|en`` — the report as a download.
* ``GET  /image/speeches``, ``POST /image/speeches`` (JSON), ``GET /image/speeches/{id}`` (with
  the analysis, as ``qorgau image speech … --json``), ``GET /image/speeches/comparison``.

A refused input is a 422 problem document whose ``field`` names the input at fault and whose
``columns`` (for a survey) name the columns at fault.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from qorgau.image.domain.profiles import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES
from qorgau.image.permissions import IMAGE_READ, IMAGE_WRITE
from qorgau.image.service import (
    MAX_SURVEY_BYTES,
    InvalidImageInput,
    access_survey,
    compare_speeches,
    do_add_speech,
    do_add_survey,
    list_speeches,
    list_surveys,
    profile_for,
    report_for,
    scale_text_from_upload,
    speech_for,
    speech_summary,
    survey_summary,
)
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.web.deps import DbSession, require
from qorgau.kernel.web.errors import problem

router = APIRouter(prefix="/image", tags=["image"])
Reader = Annotated[Principal, Depends(require(IMAGE_READ))]
Writer = Annotated[Principal, Depends(require(IMAGE_WRITE))]


def refused(session: Session, error: InvalidImageInput) -> Response:
    """The 422 problem document of a refused input; nothing of the request is kept."""
    session.rollback()
    return problem(422, "Invalid input", str(error), field=error.field, columns=list(error.columns) or None)


def _read_upload(upload: UploadFile, limit: int) -> bytes:
    # One byte past the limit is enough to know the file is too large, without reading it all.
    return upload.file.read(limit + 1)


@router.get("/surveys")
def get_surveys(session: DbSession, principal: Reader) -> dict[str, Any]:
    return {"surveys": [survey_summary(row) for row in list_surveys(session, principal)]}


@router.post("/surveys", status_code=201, response_model=None)
def post_survey(
    session: DbSession,
    principal: Writer,
    survey: Annotated[UploadFile, File(description="LimeSurvey/KoboToolbox CSV, SPSS .sav or XLSX")],
    ideal: Annotated[str, Form(max_length=100, description="The object that is the ideal image")],
    scales: Annotated[UploadFile | None, File(description="The scale file (YAML)")] = None,
    scales_text: Annotated[str | None, Form(description="The scale file as text, instead of a file")] = None,
    name: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any] | Response:
    try:
        if scales is not None and scales.filename:
            text = scale_text_from_upload(_read_upload(scales, 1024 * 1024))
        elif scales_text:
            text = scales_text
        else:
            raise InvalidImageInput(
                "send the scale file (field scales) or its text (scales_text)", field="scales"
            )
        row = do_add_survey(
            session,
            principal,
            name=name,
            filename=survey.filename or "survey.csv",
            content=_read_upload(survey, MAX_SURVEY_BYTES),
            scales_text=text,
            ideal=ideal,
        )
    except InvalidImageInput as error:
        return refused(session, error)
    return survey_summary(row)


@router.get("/surveys/{survey_id}")
def get_survey(survey_id: int, session: DbSession, principal: Reader) -> dict[str, Any]:
    return survey_summary(access_survey(session, principal, survey_id))


@router.get("/surveys/{survey_id}/profile", response_model=None)
def get_profile(
    survey_id: int,
    session: DbSession,
    principal: Reader,
    segment: Annotated[str | None, Query(max_length=200, description="Also profile each value")] = None,
    resamples: Annotated[int, Query(ge=1, le=20_000)] = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: Annotated[float, Query(gt=0, lt=1)] = DEFAULT_CONFIDENCE,
) -> dict[str, object] | Response:
    try:
        profile = profile_for(
            session, principal, survey_id, segment, resamples=resamples, seed=seed, confidence=confidence
        )
    except InvalidImageInput as error:
        return refused(session, error)
    return profile.analysis.to_dict()


@router.get("/surveys/{survey_id}/report")
def get_report(
    survey_id: int,
    session: DbSession,
    principal: Reader,
    report_format: Annotated[Literal["pdf", "html"], Query(alias="format")] = "pdf",
    lang: Annotated[Literal["ru", "kk", "en"], Query()] = "en",
    segment: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    try:
        report = report_for(session, principal, survey_id, report_format, language=lang, segment=segment)
    except InvalidImageInput as error:
        return refused(session, error)
    return Response(
        report.content,
        media_type=report.media_type,
        headers={"Content-Disposition": f'attachment; filename="{report.filename}"'},
    )


class SpeechIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    speaker: str = Field(min_length=1, max_length=200, description="Who spoke: e.g. a survey object")
    language: Literal["ru", "kk", "en"]
    text: str = Field(min_length=1)
    date: dt.date | None = Field(default=None, description="When the speech was given")


@router.get("/speeches")
def get_speeches(
    session: DbSession, principal: Reader, speaker: Annotated[str | None, Query(max_length=200)] = None
) -> dict[str, Any]:
    return {"speeches": [speech_summary(row) for row in list_speeches(session, principal, speaker)]}


@router.post("/speeches", status_code=201, response_model=None)
def post_speech(body: SpeechIn, session: DbSession, principal: Writer) -> dict[str, Any] | Response:
    try:
        row = do_add_speech(
            session,
            principal,
            title=body.title,
            speaker=body.speaker,
            language=body.language,
            text=body.text,
            delivered_on=body.date,
        )
    except InvalidImageInput as error:
        return refused(session, error)
    return speech_summary(row)


@router.get("/speeches/comparison")
def get_comparison(
    session: DbSession, principal: Reader, speaker: Annotated[str | None, Query(max_length=200)] = None
) -> dict[str, Any]:
    stored = compare_speeches(session, principal, speaker=speaker)
    document = stored.comparison.to_dict()
    entries = cast(list[dict[str, object]], document["speeches"])
    for entry, speech_id in zip(entries, stored.speech_ids, strict=True):
        entry["id"] = speech_id
    return document


@router.get("/speeches/{speech_id}")
def get_speech(speech_id: int, session: DbSession, principal: Reader) -> dict[str, Any]:
    result = speech_for(session, principal, speech_id)
    return speech_summary(result.speech) | {"analysis": result.analysis.to_dict()}

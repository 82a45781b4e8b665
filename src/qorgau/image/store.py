"""Tables and repository of the image module: uploaded surveys and speeches.

Only the *inputs* are stored — the survey file as uploaded (bytes, name, format), its scale file
(YAML text) and the ideal object; a speech's text, language, speaker and date. Every profile,
speech measure, comparison and report is computed from them when asked (see ``service.py``), so a
better method applies to old uploads at once and nothing derived can go stale. The one fact kept
beside a survey, ``respondents``, is a count taken when the upload was validated; the file never
changes afterwards, so it cannot disagree with the file.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, LargeBinary, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from qorgau.kernel.db import Base, UtcDateTime, utcnow


class SurveyRow(Base):
    """One uploaded survey: the export file, the scale file that maps it, and the ideal object."""

    __tablename__ = "image_surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))  # csv, sav or xlsx
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    scales_yaml: Mapped[str] = mapped_column(Text)
    ideal: Mapped[str] = mapped_column(String(100))
    respondents: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class SpeechRow(Base):
    """One speech of a leader: its text and what is known about it."""

    __tablename__ = "image_speeches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    speaker: Mapped[str] = mapped_column(String(200), index=True)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text, deferred=True)
    source_filename: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ImageRepository:
    """Loads and adds surveys and speeches; lists leave the large columns (file, text) unloaded."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_survey(self, survey: SurveyRow) -> SurveyRow:
        self.session.add(survey)
        self.session.flush()
        return survey

    def survey(self, survey_id: int) -> SurveyRow | None:
        return self.session.get(SurveyRow, survey_id)

    def surveys(self) -> list[SurveyRow]:
        return list(
            self.session.scalars(select(SurveyRow).order_by(SurveyRow.created_at.desc(), SurveyRow.id))
        )

    def survey_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(SurveyRow)) or 0

    def add_speech(self, speech: SpeechRow) -> SpeechRow:
        self.session.add(speech)
        self.session.flush()
        return speech

    def speech(self, speech_id: int) -> SpeechRow | None:
        return self.session.get(SpeechRow, speech_id)

    def speeches(self, speaker: str | None = None) -> list[SpeechRow]:
        query = select(SpeechRow)
        if speaker is not None:
            query = query.where(SpeechRow.speaker == speaker)
        # Newest first; undated speeches after the dated ones (the same on SQLite and PostgreSQL).
        order = (SpeechRow.delivered_on.is_(None), SpeechRow.delivered_on.desc(), SpeechRow.id.desc())
        return list(self.session.scalars(query.order_by(*order)))

    def speakers(self) -> list[str]:
        return list(self.session.scalars(select(SpeechRow.speaker).distinct().order_by(SpeechRow.speaker)))

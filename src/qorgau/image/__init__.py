"""Leader image analytics (issue 7): the audience's ideal image against a leader's perceived one,
and the psycholinguistic examination of the leader's speeches.

Public surface (other modules import only these names):

* surveys — :func:`read_survey`, :func:`load_scale_file`, :func:`build_ratings`,
  :func:`analyse_profiles`, :func:`analyse_segments`, :class:`ProfileAnalysis`;
* speeches — :func:`analyse_speech`, :func:`compare_speeches`, :func:`lexicon_index`,
  :func:`read_speech`, :class:`SpeechAnalysis`;
* reports — :func:`write_report`;
* errors — :class:`ImageError` and its subclasses in :mod:`qorgau.image.domain.errors`;
* the web — :func:`register` mounts the API (``/api/v1/image/…``) and the pages (``/image``).

The command group is ``qorgau.image.cli.app`` (``qorgau image profile|speech|speeches|report``).
Stored surveys and speeches live in :mod:`qorgau.image.store`; their use cases in
:mod:`qorgau.image.service`.
"""

# Modules, not names, so that the public surface stays exactly ``__all__``.
import pathlib as _pathlib
import typing as _typing

from qorgau.image.domain.errors import (
    BinaryTextError,
    EmptyTextError,
    ImageError,
    InvalidAnswerError,
    MissingColumnsError,
    NoRatedObjectsError,
    ScaleFileError,
    SurveyError,
    WrongLanguageError,
)
from qorgau.image.domain.profiles import ProfileAnalysis, analyse_profiles, analyse_segments
from qorgau.image.domain.scales import ScaleFile
from qorgau.image.domain.speech import SpeechAnalysis, analyse_speech, compare_speeches
from qorgau.image.domain.survey import SurveyTable, build_ratings
from qorgau.image.importers import lexicon_index, load_scale_file, read_speech, read_survey
from qorgau.image.reports import write_report


def register(app: _typing.Any = None, cli: _typing.Any = None) -> None:
    """Mount the image API (under ``/api/v1``), the pages and their stylesheet on ``app``.

    ``cli`` is unused: the root command mounts ``qorgau.image.cli.app`` itself.
    """
    if app is None:
        return
    from fastapi.staticfiles import StaticFiles

    from qorgau.image import api
    from qorgau.image.web import routes

    app.include_router(api.router, prefix="/api/v1")
    app.include_router(routes.router)
    static = _pathlib.Path(__file__).parent / "web" / "static"
    app.mount("/static/image", StaticFiles(directory=static), name="static-image")


__all__ = [
    "BinaryTextError",
    "EmptyTextError",
    "ImageError",
    "InvalidAnswerError",
    "MissingColumnsError",
    "NoRatedObjectsError",
    "ProfileAnalysis",
    "ScaleFile",
    "ScaleFileError",
    "SpeechAnalysis",
    "SurveyError",
    "SurveyTable",
    "WrongLanguageError",
    "analyse_profiles",
    "analyse_segments",
    "analyse_speech",
    "build_ratings",
    "compare_speeches",
    "lexicon_index",
    "load_scale_file",
    "read_speech",
    "read_survey",
    "register",
    "write_report",
]

"""Find every translatable message in templates and Python code, and which catalogs lack them.

Used by the test that keeps every UI string translated, and by ``python -m
qorgau.kernel.i18n.extract`` to list what a translator has to add.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import extract_from_dir

from qorgau.kernel.i18n import LANGUAGES, PACKAGE_ROOT, catalog

METHODS = [
    ("**/web/templates/**.html", "jinja2"),
    ("**.py", "python"),
]
OPTIONS = {"**/web/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def messages(root: Path = PACKAGE_ROOT) -> Iterator[tuple[str, str, int]]:
    """``(message id, file, line)`` for every literal message under ``root``."""
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            yield text, filename, lineno


def missing(language: str) -> list[tuple[str, str, int]]:
    known = catalog(language).messages
    return [(text, filename, line) for text, filename, line in messages() if text not in known]


if __name__ == "__main__":
    for language in LANGUAGES[:2]:
        for text, filename, line in missing(language):
            print(f"{language}\t{filename}:{line}\t{text}")
    sys.exit(0)

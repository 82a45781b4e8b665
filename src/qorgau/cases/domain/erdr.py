"""Registration numbers of the Unified Register of Pre-trial Investigations (ЕРДР, ERDR), Qorgau's format.

The register itself is kept under the Prosecutor General's Order No. 89 of 19 September 2014
(UPK RK art. 180 part 3). Its internal numbering is not published with the order, so Qorgau uses
its own documented 15-digit number, close to what practitioners quote::

    YY RR AA UU SSSSSS C          printed in groups of four:  2611 0300 0001 230
    │  │  │  │  │      └ check digit (Damm algorithm over the first 14 digits)
    │  │  │  │  └ serial within year, region, authority and unit: 000001–999999
    │  │  │  └ unit of the authority (district department): 00–99
    │  │  └ authority that registered (see AUTHORITY_CODES): 01–99
    │  └ region of registration: 01–99
    └ year of registration, last two digits: 2015–2099 (the register starts with the 2014 Code)

The Damm check digit catches every single-digit error and every swap of two adjacent digits.
Parsing accepts spaces and hyphens between digits.

>>> number = ErdrNumber(year=2026, region=11, authority=3, unit=0, serial=123)
>>> number.format()
'2611 0300 0001 230'
>>> ErdrNumber.parse("261103000001230") == number
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qorgau.cases.domain.errors import ErdrNumberError
from qorgau.kernel.law import LocalizedText

# Damm's quasigroup of order 10 (weakly totally anti-symmetric), H. M. Damm, 2004.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
_SEPARATORS = re.compile(r"[\s\-]")
LENGTH = 15
FIRST_YEAR = 2015

#: Qorgau's codes for the bodies that register criminal offences (not an official ERDR table).
AUTHORITY_CODES: dict[int, LocalizedText] = {
    1: LocalizedText("органы внутренних дел", "ішкі істер органдары", "internal affairs (police)"),
    2: LocalizedText("органы национальной безопасности", "ұлттық қауіпсіздік органдары", "national security"),
    3: LocalizedText(
        "антикоррупционная служба", "сыбайлас жемқорлыққа қарсы қызмет", "anti-corruption service"
    ),
    4: LocalizedText(
        "служба экономических расследований",
        "экономикалық тергеп-тексеру қызметі",
        "economic investigations service",
    ),
    5: LocalizedText("органы прокуратуры", "прокуратура органдары", "prosecutor's office"),
    6: LocalizedText(
        "органы государственных доходов", "мемлекеттік кірістер органдары", "state revenue bodies"
    ),
    7: LocalizedText("военная полиция", "әскери полиция", "military police"),
}


def damm_check_digit(digits: str) -> str:
    """The Damm check digit of a string of decimal digits."""
    interim = 0
    for character in digits:
        if not "0" <= character <= "9":
            raise ErdrNumberError(f"{character!r} is not a digit")
        interim = _DAMM[interim][ord(character) - 48]
    return str(interim)


def has_valid_check_digit(digits: str) -> bool:
    """True when the last digit is the Damm check digit of the others (the whole string reduces to 0)."""
    return bool(digits) and digits.isascii() and digits.isdigit() and damm_check_digit(digits) == "0"


@dataclass(frozen=True, order=True)
class ErdrNumber:
    """A parsed ERDR number. ``year`` is the full year; the others are the fields' integer values."""

    year: int
    region: int
    authority: int
    unit: int
    serial: int

    def __post_init__(self) -> None:
        checks = (
            ("year", self.year, FIRST_YEAR, 2099),
            ("region", self.region, 1, 99),
            ("authority", self.authority, 1, 99),
            ("unit", self.unit, 0, 99),
            ("serial", self.serial, 1, 999_999),
        )
        for name, value, low, high in checks:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ErdrNumberError(f"ERDR number {name} must be {low}–{high}, not {value!r}")

    @property
    def digits(self) -> str:
        """The 15 digits, check digit last."""
        body = f"{self.year % 100:02d}{self.region:02d}{self.authority:02d}{self.unit:02d}{self.serial:06d}"
        return body + damm_check_digit(body)

    def format(self) -> str:
        """The printed form: digits in groups of four, ``2611 0300 0001 230``."""
        digits = self.digits
        return " ".join(digits[i : i + 4] for i in range(0, LENGTH, 4))

    def __str__(self) -> str:
        return self.format()

    @classmethod
    def parse(cls, text: str) -> ErdrNumber:
        """Read a number, with or without spaces and hyphens; :class:`ErdrNumberError` says what is wrong."""
        if not isinstance(text, str):
            raise ErdrNumberError("an ERDR number is text")
        digits = _SEPARATORS.sub("", text)
        if not digits:
            raise ErdrNumberError("ERDR number is empty")
        if not (digits.isascii() and digits.isdigit()):
            raise ErdrNumberError(f"ERDR number {text!r} must contain only digits, spaces and hyphens")
        if len(digits) != LENGTH:
            raise ErdrNumberError(f"ERDR number {text!r} has {len(digits)} digits, not {LENGTH}")
        if not has_valid_check_digit(digits):
            raise ErdrNumberError(f"ERDR number {text!r} fails its check digit (mistyped?)")
        return cls(
            year=2000 + int(digits[0:2]),
            region=int(digits[2:4]),
            authority=int(digits[4:6]),
            unit=int(digits[6:8]),
            serial=int(digits[8:14]),
        )

    def next_serial(self) -> ErdrNumber:
        """The number registered after this one by the same unit in the same year."""
        return ErdrNumber(self.year, self.region, self.authority, self.unit, self.serial + 1)

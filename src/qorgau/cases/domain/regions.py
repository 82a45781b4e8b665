"""Regions of Kazakhstan as the case register numbers them, and reading a region from user input.

The two-digit code is the region's first-level code of the classifier of administrative-territorial
objects (КАТО / ӘАОЖ), as commonly published; the table was not checked against the official
classifier (unverified). The same code is the ``RR`` field of Qorgau's ERDR number
(:mod:`.erdr`). Regions created in 2022 (Abai, Zhetysu, Ulytau) are listed; a case registered in
the territory of an older region keeps that region's code.

>>> parse_region("Жамбылская область").code
31
>>> parse_region(31).slug
'zhambyl'
>>> parse_region("zhambyl").title.kk
'Жамбыл облысы'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.kernel.law import LocalizedText


@dataclass(frozen=True)
class Region:
    code: int
    slug: str
    title: LocalizedText

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "slug": self.slug, "title": self.title.to_dict()}


def _region(code: int, slug: str, ru: str, kk: str, en: str) -> Region:
    return Region(code, slug, LocalizedText(ru, kk, en))


REGIONS: tuple[Region, ...] = (
    _region(10, "abai", "Абайская область", "Абай облысы", "Abai Region"),
    _region(11, "akmola", "Акмолинская область", "Ақмола облысы", "Akmola Region"),
    _region(15, "aktobe", "Актюбинская область", "Ақтөбе облысы", "Aktobe Region"),
    _region(19, "almaty_region", "Алматинская область", "Алматы облысы", "Almaty Region"),
    _region(23, "atyrau", "Атырауская область", "Атырау облысы", "Atyrau Region"),
    _region(
        27,
        "west_kazakhstan",
        "Западно-Казахстанская область",
        "Батыс Қазақстан облысы",
        "West Kazakhstan Region",
    ),
    _region(31, "zhambyl", "Жамбылская область", "Жамбыл облысы", "Zhambyl Region"),
    _region(33, "zhetysu", "Жетысуская область", "Жетісу облысы", "Zhetysu Region"),
    _region(35, "karaganda", "Карагандинская область", "Қарағанды облысы", "Karaganda Region"),
    _region(39, "kostanay", "Костанайская область", "Қостанай облысы", "Kostanay Region"),
    _region(43, "kyzylorda", "Кызылординская область", "Қызылорда облысы", "Kyzylorda Region"),
    _region(47, "mangystau", "Мангистауская область", "Маңғыстау облысы", "Mangystau Region"),
    _region(55, "pavlodar", "Павлодарская область", "Павлодар облысы", "Pavlodar Region"),
    _region(
        59,
        "north_kazakhstan",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
        "North Kazakhstan Region",
    ),
    _region(61, "turkestan", "Туркестанская область", "Түркістан облысы", "Turkestan Region"),
    _region(62, "ulytau", "Улытауская область", "Ұлытау облысы", "Ulytau Region"),
    _region(
        63,
        "east_kazakhstan",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
        "East Kazakhstan Region",
    ),
    _region(71, "astana", "город Астана", "Астана қаласы", "Astana city"),
    _region(75, "almaty", "город Алматы", "Алматы қаласы", "Almaty city"),
    _region(79, "shymkent", "город Шымкент", "Шымкент қаласы", "Shymkent city"),
)
REGIONS_BY_CODE: dict[int, Region] = {region.code: region for region in REGIONS}


def _key(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace("-", " ").replace("_", " ").split())


_BY_NAME: dict[str, Region] = {}
for _item in REGIONS:
    for _name in (_item.slug, _item.title.ru, _item.title.kk, _item.title.en):
        _BY_NAME[_key(_name)] = _item


def region_by_code(code: int) -> Region:
    """The region with ``code``; :class:`InvalidCaseInput` on ``region`` for an unknown code."""
    try:
        return REGIONS_BY_CODE[code]
    except KeyError:
        raise InvalidCaseInput("region", f"unknown region code {code!r}") from None


def parse_region(value: Any, field: str = "region") -> Region:
    """A region from its code (``31`` or ``"31"``), its slug (``zhambyl``) or its name in ru, kk or en."""
    if isinstance(value, bool) or value is None:
        raise InvalidCaseInput(field, "required: a region code (e.g. 31) or name (e.g. zhambyl)")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        code = int(value)
        if code not in REGIONS_BY_CODE:
            raise InvalidCaseInput(field, f"unknown region code {value!r}")
        return REGIONS_BY_CODE[code]
    if isinstance(value, str) and _key(value) in _BY_NAME:
        return _BY_NAME[_key(value)]
    raise InvalidCaseInput(field, f"unknown region {value!r} (a code such as 31 or a name such as zhambyl)")

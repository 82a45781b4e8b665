"""Citations, dated parameters and decisions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qorgau.kernel.law import Citation, Decision, LawError, LocalizedText, Reason, load_parameters

PARAMETERS = """
registration_days:
  description: {ru: срок регистрации, kk: тіркеу мерзімі, en: registration period}
  unit: days
  values:
    2020-01-11: {value: 3, citation: {code: Rules, article: "5", verified: false}}
    2011-07-22:
      value: 5
      citation: {code: Law No. 477-IV, article: "48", version_date: 2011-07-22, verified: true}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "parameters.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_parameter_value_is_the_one_in_force_on_the_date(tmp_path: Path) -> None:
    parameters = load_parameters(write(tmp_path, PARAMETERS))
    assert parameters.value("registration_days", date(2019, 5, 1)) == 5
    assert parameters.value("registration_days", date(2020, 1, 11)) == 3
    assert parameters.at("registration_days", date(2015, 1, 1)).citation.verified is True


def test_parameter_before_first_effective_date_is_an_error(tmp_path: Path) -> None:
    parameters = load_parameters(write(tmp_path, PARAMETERS))
    with pytest.raises(LawError, match="no value on 2000-01-01"):
        parameters.value("registration_days", date(2000, 1, 1))


def test_malformed_parameter_file_names_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(LawError, match="broken"):
        load_parameters(write(tmp_path, "broken: {values: {notadate: {value: 1}}}"))


def test_citation_label_names_article_part_point_and_version() -> None:
    citation = Citation("UPK RK", "613", "2", "1", date(2016, 7, 7), verified=True)
    assert citation.label() == "UPK RK art. 613 part 2 p. 1 (version 2016-07-07)"


def test_decision_is_refused_by_any_obstacle_and_keeps_every_reason() -> None:
    text = LocalizedText("да", "иә", "yes")
    met = Reason("category", True, Citation("UPK RK", "190"), text)
    obstacle = Reason("guilt", False, Citation("UPK RK", "190"), text)
    decision = Decision.from_reasons([met, obstacle])
    assert not decision.allowed
    assert decision.cited_rules() == ["category", "guilt"]
    assert decision.to_dict()["reasons"][1]["text"] == {"ru": "да", "kk": "иә", "en": "yes"}
    assert Decision.from_reasons([met]).allowed


def test_localized_text_requires_all_three_languages() -> None:
    with pytest.raises(LawError, match="kk"):
        LocalizedText.from_mapping({"ru": "да", "en": "yes"})


def test_duplicate_keys_in_a_rules_file_are_refused(tmp_path: Path) -> None:
    text = PARAMETERS + "    2011-07-22: {value: 6, citation: {code: X}}\n"
    with pytest.raises(LawError, match="duplicate key"):
        load_parameters(write(tmp_path, text))


def test_x_keys_hold_shared_anchors_not_parameters(tmp_path: Path) -> None:
    text = "x-source: &src {code: Law No. 2337, verified: false}\n" + PARAMETERS.replace(
        '{code: Rules, article: "5", verified: false}', "*src"
    )
    parameters = load_parameters(write(tmp_path, text))
    assert set(parameters.parameters) == {"registration_days"}
    assert parameters.at("registration_days", date(2021, 1, 1)).citation.code == "Law No. 2337"


def test_localized_values_fill_each_language_with_its_own_wording() -> None:
    template = LocalizedText("статус: {s}", "мәртебе: {s}", "status: {s}")
    filled = template.format(s=LocalizedText("беженец", "босқын", "refugee"))
    assert (filled.ru, filled.kk, filled.en) == ("статус: беженец", "мәртебе: босқын", "status: refugee")

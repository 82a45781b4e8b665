"""The whole assessment on arbitrary histories: it answers or refuses by name, never crashes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.foreigners import ForeignersError, assess_json
from qorgau.foreigners.domain.facts import Status

CITIZENSHIPS: dict[Status, list[list[str]]] = {
    Status.CITIZEN: [["KZ"]],
    Status.VISITOR: [["RU"], ["US"], ["KG", "DE"], ["CN"]],
    Status.TEMPORARY_RESIDENT: [["UZ"], ["BY"]],
    Status.PERMANENT_RESIDENT: [["AM"], ["TR"]],
    Status.STATELESS: [[]],
    Status.REFUGEE: [["AF"], []],
    Status.ASYLUM_SEEKER: [["SY"], []],
}


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    status = draw(st.sampled_from(list(Status)))
    day = draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 9, 1)))
    crossings = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        length = draw(st.integers(min_value=1, max_value=120))
        crossings.append({"entry": day.isoformat(), "exit": (day + timedelta(days=length - 1)).isoformat()})
        day += timedelta(days=length - 1 + draw(st.integers(min_value=0, max_value=90)))
    on = day + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
    if crossings and draw(st.booleans()):
        crossings[-1]["exit"] = None  # still inside: assess a few weeks into the stay
        on = date.fromisoformat(crossings[-1]["entry"]) + timedelta(days=draw(st.integers(0, 45)))
    permits = []
    if status in (Status.TEMPORARY_RESIDENT, Status.PERMANENT_RESIDENT, Status.STATELESS) and draw(
        st.booleans()
    ):
        start = on - timedelta(days=draw(st.integers(min_value=0, max_value=400)))
        permits.append(
            {
                "kind": "temporary_residence",
                "valid_from": start.isoformat(),
                "valid_until": (start + timedelta(days=draw(st.integers(0, 500)))).isoformat(),
            }
        )
    registrations = [
        {"date": (on - timedelta(days=draw(st.integers(0, 60)))).isoformat(), "address": "A"}
        for _ in range(draw(st.integers(min_value=0, max_value=2)))
    ]
    changes = [
        {"date": (on - timedelta(days=draw(st.integers(0, 20)))).isoformat(), "address": "B"}
        for _ in range(draw(st.integers(min_value=0, max_value=1)))
    ]
    return {
        "date": on.isoformat(),
        "person": {"status": status.value, "citizenships": draw(st.sampled_from(CITIZENSHIPS[status]))},
        "crossings": crossings,
        "registrations": registrations,
        "address_changes": changes,
        "permits": permits,
    }


@settings(max_examples=200, deadline=None)
@given(documents())
def test_an_assessment_is_consistent_json_or_a_named_refusal(document: dict[str, Any]) -> None:
    try:
        result = assess_json(document)
    except ForeignersError as exc:
        assert str(exc)
        return
    json.dumps(result)  # one JSON document, nothing exotic inside
    stay, registration = result["stay"], result["registration"]
    assert stay["overstay"] == (stay["first_overstay_day"] is not None) == (stay["overstay_days"] > 0)
    assert 0 <= stay["days_in_window"] <= stay["days_present_in_window"] <= stay["window_days"]
    if stay["last_lawful_day"] is not None:
        assert stay["present"] and stay["last_lawful_day"] >= stay["current_stay"]["entry"]
    assert registration["status"] in {"ok", "due", "late", "not_required"}
    assert registration["required"] == (registration["status"] != "not_required")
    assert (registration["due"] is None) == (not registration["required"])
    assert all(reason["citation"] and set(reason["text"]) == {"ru", "kk", "en"} for reason in stay["reasons"])
    assert result["rights"] and all(item["citation"] for item in result["rights"])

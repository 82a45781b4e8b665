"""Registration duties beyond the scenarios: headline choice and JSON shape."""

from __future__ import annotations

from qorgau.foreigners import assess


def test_a_late_duty_is_reported_before_a_pending_one() -> None:
    result = assess(
        {
            "date": "2026-10-20",
            "person": {"citizenships": ["RU"], "status": "visitor"},
            "crossings": [{"entry": "2026-09-10", "exit": None}],
            "address_changes": [{"date": "2026-10-19", "address": "B"}],
        }
    ).registration
    assert [d.status for d in result.duties] == ["late", "due"]
    assert result.status == "late" and result.due is not None and result.due.isoformat() == "2026-10-10"


def test_the_registration_block_keeps_the_contract_keys() -> None:
    block = assess(
        {
            "date": "2026-09-12",
            "person": {"citizenships": ["RU"], "status": "visitor"},
            "crossings": [{"entry": "2026-09-10", "exit": None}],
        }
    ).to_dict()["registration"]
    assert {"required", "due", "status"} <= set(block)
    assert block["status"] in {"ok", "due", "late", "not_required"}
    assert all({"rule", "met", "citation", "verified", "text"} <= set(r) for r in block["reasons"])


def test_a_registration_dated_before_entry_does_not_count_for_the_stay() -> None:
    result = assess(
        {
            "date": "2026-10-20",
            "person": {"citizenships": ["RU"], "status": "visitor"},
            "crossings": [{"entry": "2026-09-10", "exit": None}],
            "registrations": [{"date": "2026-09-01", "address": "A"}],
        }
    ).registration
    assert result.status == "late" and result.registered_on is None

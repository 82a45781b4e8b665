"""Terms shown from data (roles, codes, module names), marked so that extraction finds them."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


ROLE_NAMES = [
    N_("admin"),
    N_("operator"),
    N_("probation_officer"),
    N_("investigator"),
    N_("prosecutor"),
    N_("judge"),
    N_("defender"),
    N_("migration_officer"),
    N_("analyst"),
]
IMMUNITY_NAMES = [
    N_("mp"),
    N_("constitutional_court_judge"),
    N_("judge"),
    N_("prosecutor_general"),
    N_("diplomat"),
]
DOCUMENT_NAMES = [
    N_("passport"),
    N_("id_card"),
    N_("residence_permit"),
    N_("travel_document"),
    N_("birth_certificate"),
    N_("other"),
]
MODULE_NAMES = [N_("monitoring"), N_("cases"), N_("foreigners"), N_("protection"), N_("image")]

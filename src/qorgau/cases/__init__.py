"""The electronic criminal case (module ``cases``).

Registration in a register modelled on the ERDR, the forms of pre-trial proceedings and whether
each is open (with reasons citing the dated law in ru, kk and en), time limits, procedural
agreements and their lifecycle, and a tamper-evident case file: an RFC 9162 Merkle log per case
with signed checkpoints, exported as a bundle that verifies without the database.

The names below are the module's public surface; other modules import only these. The use cases
on the store live in :mod:`qorgau.cases.service` (``do_register_case``, ``do_add_material``,
``do_add_participant``, ``do_attach_correlation``, ``interpreter_requirements``, ``export_case`` …),
the HTTP API in :mod:`qorgau.cases.api` (``/api/v1/cases``) and the pages in
:mod:`qorgau.cases.web`; :func:`register` wires the last two into the application.

Links to the other modules (DESIGN.md): the interpreter requirement of a participant linked to a
person is asked of ``foreigners`` (:func:`qorgau.foreigners.participant_requirements_for`); a
``monitoring`` correlation or alibi report is filed as a material and the positions it rests on are
put under legal hold (:func:`qorgau.monitoring.do_place_legal_hold`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qorgau.cases.domain.agreements import (
    AgreementAssessment,
    AgreementKind,
    AgreementProcess,
    AgreementState,
    assess_agreements,
)
from qorgau.cases.domain.assessment import Assessment, assess, assess_document
from qorgau.cases.domain.bundle import Problem, VerifyResult, build_bundle, verify_bundle
from qorgau.cases.domain.categories import Intent, OffenceCategory, Sanction, derive_category
from qorgau.cases.domain.checkpoint import Checkpoint, Keyring, NoteSigner, VerifierKey, open_checkpoint
from qorgau.cases.domain.deadlines import DeadlineStatus, Extension, Suspension, Term, compute_deadline
from qorgau.cases.domain.erdr import ErdrNumber
from qorgau.cases.domain.errors import (
    BundleError,
    CasesError,
    CheckpointError,
    DeadlineError,
    ErdrNumberError,
    IllegalAgreementTransition,
    InvalidCaseInput,
    MerkleError,
)
from qorgau.cases.domain.facts import CaseFacts, Immunity, Offence, Person, Role, parse_case_facts
from qorgau.cases.domain.forms import FormAssessment, ProceedingForm, assess_forms
from qorgau.cases.domain.law import CasesLaw
from qorgau.cases.domain.merkle import CompactRange, MerkleTree, verify_consistency, verify_inclusion
from qorgau.cases.rules import load_law

__all__ = [
    "AgreementAssessment",
    "AgreementKind",
    "AgreementProcess",
    "AgreementState",
    "Assessment",
    "BundleError",
    "CaseFacts",
    "CasesError",
    "CasesLaw",
    "Checkpoint",
    "CheckpointError",
    "CompactRange",
    "DeadlineError",
    "DeadlineStatus",
    "ErdrNumber",
    "ErdrNumberError",
    "Extension",
    "FormAssessment",
    "IllegalAgreementTransition",
    "Immunity",
    "Intent",
    "InvalidCaseInput",
    "Keyring",
    "MerkleError",
    "MerkleTree",
    "NoteSigner",
    "Offence",
    "OffenceCategory",
    "Person",
    "Problem",
    "ProceedingForm",
    "Role",
    "Sanction",
    "Suspension",
    "Term",
    "VerifierKey",
    "VerifyResult",
    "assess",
    "assess_agreements",
    "assess_document",
    "assess_forms",
    "build_bundle",
    "compute_deadline",
    "derive_category",
    "load_law",
    "open_checkpoint",
    "parse_case_facts",
    "register",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
]


def register(app: Any = None, cli: Any = None) -> None:
    """Add the cases API (``/api/v1/cases``) and pages (``/cases``) to ``app``.

    The command group (``qorgau cases``) is mounted by the root command from :mod:`qorgau.cases.cli`,
    so ``cli`` is accepted for the common signature and not used.
    """
    if app is None:
        return
    from fastapi.staticfiles import StaticFiles

    from qorgau.cases import api
    from qorgau.cases.web import routes

    app.include_router(api.router, prefix="/api/v1")
    app.include_router(routes.router)
    static = Path(__file__).parent / "web" / "static"
    if static.is_dir():
        app.mount("/static/cases", StaticFiles(directory=static), name="static-cases")

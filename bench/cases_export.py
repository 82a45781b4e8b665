"""Benchmark: export a case of 10,000 entries from the store and verify it, beside a plain zip.

    .venv/bin/python bench/cases_export.py [--entries 10000] [--size 2048] [--seed 11]

(``cases_bundle.py`` measures the bundle alone, from entries in memory; this one starts from the
database, as ``qorgau cases export`` does.)

Setup (not timed): a fresh SQLite data directory; one case registered and ``--entries - 1``
materials of about ``--size`` bytes added through ``qorgau.cases.service.do_add_material`` (each a
new leaf and a new signed checkpoint, as in use), in batches of 500 per transaction.

Timed, ours: ``export_case`` (read every entry from the store, check each leaf hash against the
stored log state, build the RFC 9162 tree, an inclusion proof per entry, a consistency proof from
the stored checkpoint, sign a new checkpoint, write the zip) and ``verify_bundle`` (check the
signature, every inclusion proof, every material's SHA-256 and the consistency proof).

Baseline, same materials: the export an ordinary document store would do — a zip of the files
with a manifest of SHA-256 digests — and its check (re-hash every file against the manifest). It
proves no ordering, no completeness against a signed size, and nothing to an outside witness.

Target (issue 4): export + verify ≤ 5 s for 10,000 entries; an inclusion proof is O(log n) hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from qorgau.cases.domain.bundle import verify_bundle
from qorgau.cases.service import (
    CaseArchive,
    do_add_material,
    do_register_case,
    entries_of,
    export_case,
    read_entry_bytes,
)
from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database, upgrade
from qorgau.settings import Settings

TARGET_SECONDS = 5.0
SENTENCE = "протокол допроса свидетель показал что видел кражу телефона у остановки қылмыс мән жайы"
WORDS = SENTENCE.split(" ")
CASE = {
    "date": "2026-11-25",
    "offences": [{"article": "190", "part": "2", "category": "medium"}],
    "persons": [{"role": "suspect", "age": 40, "admits_guilt": False}],
    "offender_identified": True,
    "region": "almaty",
    "reason": "report",
    "registered_at": "2026-11-25T09:00:00+05:00",
}


def material(rng: random.Random, size: int) -> bytes:
    text = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        text.append(word)
        length += len(word.encode()) + 1
    return " ".join(text).encode()[:size]


def plain_export(contents: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = [{"name": name, "sha256": hashlib.sha256(data).hexdigest()} for name, data in contents]
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in contents:
            archive.writestr(f"materials/{name}", data)
    return buffer.getvalue()


def plain_verify(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        return all(
            hashlib.sha256(archive.read(f"materials/{item['name']}")).hexdigest() == item["sha256"]
            for item in manifest
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=11)
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)
    directory = Path(tempfile.mkdtemp(prefix="qorgau-bench-cases-"))
    try:
        settings = Settings(environment="test", data_dir=directory, listeners=False)
        upgrade(settings)
        database = Database(settings)
        archive = CaseArchive.under(directory)
        actor = cli_principal()
        started = time.perf_counter()
        with database.session() as session:
            case_id = do_register_case(session, actor, CASE, archive).id
        remaining = options.entries - 1
        number = 0
        while remaining > 0:
            with database.session() as session:
                for _ in range(min(500, remaining)):
                    number += 1
                    do_add_material(
                        session,
                        actor,
                        case_id,
                        archive,
                        title=f"Материал {number}",
                        filename=f"material-{number:05d}.txt",
                        content=material(rng, options.size),
                    )
                    remaining -= 1
        setup = time.perf_counter() - started
        print(
            f"setup: 1 case, {options.entries} entries added through the service in {setup:.1f} s "
            f"({setup / options.entries * 1000:.2f} ms per entry, each with a signed checkpoint)"
        )

        purpose = {"purpose": "benchmark", "legal_basis": "local test data"}
        started = time.perf_counter()
        with database.session() as session:
            bundle = export_case(session, actor, case_id, archive, **purpose)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        result = verify_bundle(bundle)
        verified = time.perf_counter() - started
        assert result.ok and result.entries == options.entries, result.problems[:3]
        with zipfile.ZipFile(io.BytesIO(bundle)) as packed:
            proofs = json.loads(packed.read("proofs.json"))
        longest = max(len(item["path"]) for item in proofs["inclusion"])

        started = time.perf_counter()
        with database.session() as session:
            contents = [
                (entry.filename, read_entry_bytes(entry, archive)) for entry in entries_of(session, case_id)
            ]
        plain = plain_export(contents)
        plain_exported = time.perf_counter() - started
        started = time.perf_counter()
        assert plain_verify(plain)
        plain_verified = time.perf_counter() - started
        database.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    ours = exported + verified
    baseline = plain_exported + plain_verified
    print(f"{'':34} {'export':>9} {'verify':>9} {'total':>9} {'bundle':>10}")
    size = f"{len(bundle) / 1e6:8.1f}MB"
    print(f"{'qorgau case bundle (RFC 9162)':34} {exported:8.2f}s {verified:8.2f}s {ours:8.2f}s {size}")
    print(
        f"{'baseline: zip + SHA-256 list':34} {plain_exported:8.2f}s {plain_verified:8.2f}s {baseline:8.2f}s "
        f"{len(plain) / 1e6:8.1f}MB"
    )
    print(
        f"ratio ours / baseline: {ours / baseline:.1f}×; longest inclusion proof: {longest} hashes "
        f"(⌈log2 {options.entries}⌉ = {(options.entries - 1).bit_length()})"
    )
    verdict = "OK" if ours <= TARGET_SECONDS else "TOO SLOW"
    print(f"target: export + verify ≤ {TARGET_SECONDS:.0f} s → {ours:.2f} s {verdict}")
    return 0 if ours <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

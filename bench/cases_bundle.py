"""Benchmark: export and verify a case file of 10,000 entries (issue 4: ≤ 5 s), beside a baseline.

    .venv/bin/python bench/cases_bundle.py [--entries 10000]

Ours: :func:`qorgau.cases.domain.bundle.build_bundle` (materials, manifest, RFC 9162 Merkle tree,
inclusion proofs, an Ed25519-signed checkpoint) then :func:`verify_bundle` (every proof and the
signature checked, no database). Baseline, in the same run: the same materials written to a zip with a
plain SHA-256 manifest and read back with every digest checked — what a bundle costs without the
tamper evidence. The ratio is the price of the proofs. Also printed: the inclusion proof length
(O(log n) hashes).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
import zipfile

from qorgau.cases.domain.bundle import build_bundle, verify_bundle
from qorgau.cases.domain.checkpoint import NoteSigner
from qorgau.cases.domain.merkle import MerkleTree, leaf_hash


def baseline(items: list[tuple[str, bytes, dict[str, str]]]) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = []
        for name, data, _meta in items:
            archive.writestr(name, data)
            manifest.append({"name": name, "sha256": hashlib.sha256(data).hexdigest()})
        archive.writestr("manifest.json", json.dumps(manifest))
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        listed = json.loads(archive.read("manifest.json"))
        checked = sum(hashlib.sha256(archive.read(e["name"])).hexdigest() == e["sha256"] for e in listed)
    return checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args(argv)
    items = [
        (f"material-{i:05d}.txt", f"Протокол допроса № {i}\n".encode() * 20, {"kind": "material"})
        for i in range(args.entries)
    ]
    signer = NoteSigner.generate("bench.qorgau.kz/case")

    started = time.perf_counter()
    bundle = build_bundle(items, signer)
    built = time.perf_counter() - started
    result = verify_bundle(bundle)
    ours = time.perf_counter() - started
    assert result.ok and result.entries == args.entries, result

    started = time.perf_counter()
    checked = baseline(items)
    base = time.perf_counter() - started
    assert checked == args.entries

    tree = MerkleTree([leaf_hash(data) for _name, data, _meta in items])
    proof = tree.inclusion_proof(args.entries // 2, args.entries)

    print(f"case file of {args.entries:,} entries")
    print(f"{'':32}{'seconds':>10}")
    print(f"{'ours: export + verify':32}{ours:>10.2f}   (export {built:.2f})   target ≤ 5 s")
    print(f"{'baseline: zip + sha256 manifest':32}{base:>10.2f}")
    print(f"{'ratio ours / baseline':32}{ours / base:>10.1f}x")
    print(
        f"inclusion proof: {len(proof)} hashes for n = {args.entries:,} "
        f"(log2 n = {args.entries.bit_length() - 1})"
    )
    return 0 if ours <= 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())

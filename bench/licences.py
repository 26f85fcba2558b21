"""E-licence signing, issuing and verifying (bench/run.py --only licences; part of `make bench`).

A throwaway database is loaded like ``make run`` (migrate, seed_calendar, load_processes, load_demo,
load_demo_catalog, load_demo_licences): PostgreSQL ``dgov_bench_<random>`` on 127.0.0.1:5432 as
bench/cases.py makes it (dropped at the end whatever happens), or, when PostgreSQL is not reachable,
SQLite in a temporary directory (the report says which). Then, in one process with the platform's
settings (``python -m bench.licences measure``), without HTTP:

1. **Signatures, per core.** One payload: the canonical signed document of the demo enterprise's
   food business licence (dgov.licences.canonical). In interleaved rounds (every operation once per
   round, for ``--crypto-seconds`` each), operations per second on one thread of:
   the platform's SM2 sign and verify (dgov.core.crypto: GmSSL's C code through gmssl-pyx, SM3 over
   Z||M in the platform and the C library signing the digest); ``signing.sign`` (the same plus the
   SM4-GCM decryption of the seal's private key, as every issue does); gmssl-pyx's own message
   calls ``gmssl_pyx.sm2_sign``/``sm2_verify`` (the path the platform avoids); the pure-Python gmssl
   library (``sign_with_sm3``/``verify_with_sm3``); Ed25519 from ``cryptography`` (OpenSSL) as a
   reference point. Ratios are to the platform's SM2 sign, per round, median over rounds. Every
   signature is first checked across libraries, so that all of them sign the same thing.
2. **Issuing end to end**: ``services.licence_issue`` (face check, sequence, identifier, canonical
   form, sign, INSERT, audit record, commit) ``--issues`` times after a warm-up: p50/p99; then
   ``--profiled`` more with per-phase timers and the SQL queries counted.
3. **PDF**: ``printing.licence_pdf`` of one licence, ``--pdfs`` times: p50/p99.
4. **Verifying**: ``verification.verify_text`` on the licence's QR payload and on its identifier,
   ``--verifies`` times each: p50/p99.

Nothing here asserts a time. Results go into the JSON of bench/run.py and docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import run as core

OPERATIONS = {
    # key: (label in the report, library)
    "platform_sign": ("SM2 sign, platform (dgov.core.crypto)", "gmssl-pyx C, digest path"),
    "platform_verify": ("SM2 verify, platform", "gmssl-pyx C, digest path"),
    "signing_sign": ("SM2 sign + key decryption (signing.sign)", "gmssl-pyx C, SM4-GCM + SM2"),
    "pyx_message_sign": ("SM2 sign, gmssl_pyx.sm2_sign", "gmssl-pyx C, message path"),
    "pyx_message_verify": ("SM2 verify, gmssl_pyx.sm2_verify", "gmssl-pyx C, message path"),
    "gmssl_sign": ("SM2 sign, gmssl sign_with_sm3", "gmssl, pure Python"),
    "gmssl_verify": ("SM2 verify, gmssl verify_with_sm3", "gmssl, pure Python"),
    "ed25519_sign": ("Ed25519 sign", "cryptography (OpenSSL)"),
    "ed25519_verify": ("Ed25519 verify", "cryptography (OpenSSL)"),
}
TARGET_SIGN_PER_S = 1000


# --- orchestration (bench/run.py) ---------------------------------------------------------------


def bench_licences(args: argparse.Namespace) -> dict[str, Any]:
    """Load a throwaway database (PostgreSQL if reachable, else SQLite) and measure in-process."""
    from bench import cases

    tmp = Path(tempfile.mkdtemp(prefix="dgov-bench-licences-"))
    try:
        why = cases.pg_reachable()
        if why is None:
            with cases.throwaway_database() as url:
                return _measure(args, cases.bench_env(tmp / "var", url), tmp)
        print(f"[licences] PostgreSQL not reachable at {cases.PG_HOST}:{cases.PG_PORT} ({why}): using SQLite")
        result = _measure(args, cases.bench_env(tmp / "var"), tmp)
        result["postgres_skipped"] = why
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _measure(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> dict[str, Any]:
    from bench import cases

    t0 = time.perf_counter()
    cases.load_reference_data(env)
    cases.manage(env, "load_demo_licences")
    print(f"[licences] database migrated and loaded like `make run` in {time.perf_counter() - t0:.1f} s")
    options = [
        f"--crypto-rounds={args.crypto_rounds}",
        f"--crypto-seconds={args.crypto_seconds}",
        f"--issues={args.issues}",
        f"--profiled={args.issues_profiled}",
        f"--pdfs={args.pdfs}",
        f"--verifies={args.verifies}",
    ]
    result = cases.inproc(env, tmp, "measure", *options, module="bench.licences", timeout=1800)
    print_result(result)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("licences (in-process; PostgreSQL at 127.0.0.1:5432 when reachable)")
    group.add_argument("--crypto-rounds", type=int, default=5, help="interleaved rounds of the signatures (5)")
    group.add_argument("--crypto-seconds", type=float, default=1.0, help="seconds per operation and round (1)")
    group.add_argument("--issues", type=int, default=300, help="licences issued and timed (300)")
    group.add_argument("--issues-profiled", type=int, default=100, help="further issues with phase timers (100)")
    group.add_argument("--pdfs", type=int, default=100, help="PDF renders timed (100)")
    group.add_argument("--verifies", type=int, default=1000, help="verify_text calls timed per input (1000)")


# --- the in-process measurement -----------------------------------------------------------------


def _rate(op: Callable[[], object], seconds: float) -> dict[str, float]:
    """Calls of op on this thread for `seconds`: per wall second and per CPU second."""
    n = 0
    c0, t0 = time.process_time(), time.perf_counter()
    end = t0 + seconds
    now = t0
    while now < end or n < 3:
        op()
        n += 1
        now = time.perf_counter()
    wall, cpu = now - t0, time.process_time() - c0
    return {"ops": n, "per_s": n / wall, "per_cpu_s": n / cpu if cpu > 0 else float("nan")}


def _signatures(payload: bytes, key: Any, rounds: int, seconds: float) -> dict[str, Any]:
    import gmssl_pyx
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
    from gmssl import sm2 as gmssl_sm2

    from dgov.core import crypto
    from dgov.licences import signing

    # A fresh key pair for the library comparison: the same curve and cost as a seal's key, without
    # taking a seal's private key out of dgov.licences.signing.
    private_hex, public_hex = crypto.sm2_generate_keypair()
    private, xy = bytes.fromhex(private_hex), bytes.fromhex(public_hex[2:])
    pure = gmssl_sm2.CryptSM2(private_key=private_hex, public_key=public_hex[2:], mode=1)
    pure.public_key = public_hex[2:]  # gmssl's lstrip("04") would also eat leading 0s and 4s of x
    ed_private = Ed25519PrivateKey.generate()
    ed_public = ed_private.public_key()

    platform_sig = crypto.sm2_sign(private_hex, public_hex, payload)
    pyx_sig = gmssl_pyx.sm2_sign(private, xy, payload)
    pure_sig = pure.sign_with_sm3(payload)
    ed_sig = ed_private.sign(payload)
    seal_sig = signing.sign(key, payload)

    def rs(der_hex: str) -> str:
        r, s = decode_dss_signature(bytes.fromhex(der_hex))
        return f"{r:064x}{s:064x}"

    # All of them sign SM3(Z || M) with the default signer id: each verifies the others' signatures.
    pure_der = encode_dss_signature(int(pure_sig[:64], 16), int(pure_sig[64:], 16)).hex()
    checks = {
        "platform signature verifies with gmssl (pure Python)": bool(pure.verify_with_sm3(rs(platform_sig), payload)),
        "platform signature verifies with gmssl_pyx.sm2_verify": bool(
            gmssl_pyx.sm2_verify(xy, payload, bytes.fromhex(platform_sig))
        ),
        "gmssl_pyx.sm2_sign signature verifies with the platform": crypto.sm2_verify(
            public_hex, payload, pyx_sig.hex()
        ),
        "gmssl signature verifies with the platform": crypto.sm2_verify(public_hex, payload, pure_der),
        "seal signature verifies with its public key": signing.verify(key.public_key, payload, seal_sig),
        "altered payload fails": not crypto.sm2_verify(public_hex, payload + b" ", platform_sig),
    }
    if not all(checks.values()):
        raise RuntimeError(f"signatures do not interoperate: {checks}")

    ops: dict[str, Callable[[], object]] = {
        "platform_sign": lambda: crypto.sm2_sign(private_hex, public_hex, payload),
        "platform_verify": lambda: crypto.sm2_verify(public_hex, payload, platform_sig),
        "signing_sign": lambda: signing.sign(key, payload),
        "pyx_message_sign": lambda: gmssl_pyx.sm2_sign(private, xy, payload),
        "pyx_message_verify": lambda: gmssl_pyx.sm2_verify(xy, payload, pyx_sig),
        "gmssl_sign": lambda: pure.sign_with_sm3(payload),
        "gmssl_verify": lambda: pure.verify_with_sm3(pure_sig, payload),
        "ed25519_sign": lambda: ed_private.sign(payload),
        "ed25519_verify": lambda: ed_public.verify(ed_sig, payload),
    }
    for op in ops.values():  # warm-up: first calls, caches (the signer's Z value)
        _rate(op, 0.1)
    per_round: dict[str, list[dict[str, float]]] = {name: [] for name in ops}
    other_cores: list[float] = []  # CPU the rest of the machine used meanwhile, in cores
    for rnd in range(1, rounds + 1):
        machine0, own0, wall0 = core.busy_cpu_seconds(), time.process_time(), time.perf_counter()
        for name, op in ops.items():
            per_round[name].append(_rate(op, seconds))
        busy, own = core.busy_cpu_seconds() - machine0, time.process_time() - own0
        other_cores.append(max(0.0, (busy - own) / (time.perf_counter() - wall0)))
        line = "  ".join(f"{name} {per_round[name][-1]['per_s']:.0f}/s" for name in ops)
        print(f"[licences] round {rnd}: {line}  (other work {other_cores[-1]:.2f} cores)", flush=True)
    out: dict[str, Any] = {}
    for name in ops:
        rates = [r["per_s"] for r in per_round[name]]
        ratios = [
            r["per_s"] / base["per_s"] for r, base in zip(per_round[name], per_round["platform_sign"], strict=True)
        ]
        out[name] = {
            "label": OPERATIONS[name][0],
            "library": OPERATIONS[name][1],
            "per_s_median": statistics.median(rates),
            "per_s_min": min(rates),
            "per_s_max": max(rates),
            "per_cpu_s_median": statistics.median(r["per_cpu_s"] for r in per_round[name]),
            "us_per_op": 1e6 / statistics.median(rates),
            "ratio_to_platform_sign": statistics.median(ratios),
            "ratio_rounds": ratios,
            "ops": sum(r["ops"] for r in per_round[name]),
        }
    return {
        "operations": out,
        "checks": checks,
        "rounds": rounds,
        "seconds_per_round": seconds,
        "other_cores_max": max(other_cores),
    }


def _issue_phases(phases: Any) -> None:
    from dgov.licences import faces, services, signing

    phases.wrap(services, "licence_issue", "licence_issue (all)")
    phases.wrap(faces, "face_clean", "face fields checked")
    phases.wrap(services, "_next_in", "serial (sequence row UPDATE … RETURNING)")
    phases.wrap(services, "signing_key_for", "signing key found (seal, current key)")
    phases.wrap(services, "licence_identifier", "identifier + check character")
    phases.wrap(services, "licence_document", "canonical document built")
    phases.wrap(services, "canonical_bytes", "canonical JSON")
    phases.wrap(signing, "sign", "signing.sign (SM4-GCM key decryption + SM2)")
    phases.wrap(services.crypto, "search_digest", "holder ID search digest (HMAC-SM3)")
    phases.wrap(services, "record", "audit record (chain head lock)")


def cmd_measure(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.inproc import Phases, counting_queries, summary, timed
    from dgov.accounts.models import User
    from dgov.licences import services
    from dgov.licences.canonical import canonical_bytes, licence_document
    from dgov.licences.models import Licence, LicenceType
    from dgov.licences.printing import licence_pdf
    from dgov.licences.verification import qr_payload, verify_text

    enterprise = User.objects.get(username="enterprise")
    ltype = LicenceType.objects.select_related("issuer").get(code="food_business_licence")
    demo = Licence.objects.select_related("type", "issuer", "seal_key__seal").get(type=ltype, holder_user=enterprise)
    payload = canonical_bytes(licence_document(demo))
    result: dict[str, Any] = {
        "payload_bytes": len(payload),
        "payload_licence": demo.identifier,
        "versions": _versions(),
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            result["database"] = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        result["database"] = f"SQLite {sqlite3.sqlite_version}"

    print(f"[licences] payload: the canonical document of {demo.identifier}, {len(payload)} bytes", flush=True)
    result["signatures"] = _signatures(payload, demo.seal_key, args.crypto_rounds, args.crypto_seconds)

    face = dict(demo.face)

    def issue(_i: int) -> Licence:
        return services.licence_issue(
            actor=None,
            ltype=ltype,
            face=face,
            holder_kind=demo.holder_kind,
            holder_name=demo.holder_name,
            holder_id=demo.holder_id,
            holder_user=enterprise,
        )

    before = Licence.objects.count()
    issue_ms = timed(args.issues, issue)
    phases = Phases()
    _issue_phases(phases)
    queries: list[int] = []
    try:
        with counting_queries() as ctx:
            for i in range(args.profiled):
                start = len(ctx.captured_queries)
                issue(i)
                queries.append(len(ctx.captured_queries) - start)
            sample = [q["sql"][:140] for q in ctx.captured_queries[-queries[-1] :]] if queries else []
    finally:
        phases.undo()
    made = Licence.objects.count() - before
    result["issue"] = {
        **summary(issue_ms),
        "licences_made": made,
        "queries_per_issue": statistics.median(queries) if queries else None,
        "phases": phases.report(max(1, args.profiled)),
        "profiled": args.profiled,
        "query_sample": sample,
    }
    print(
        f"[licences] licence_issue: p50 {result['issue']['p50_ms']:.2f} ms  p99 {result['issue']['p99_ms']:.2f} ms  "
        f"{result['issue']['queries_per_issue']} queries  (n={len(issue_ms)})",
        flush=True,
    )

    latest = Licence.objects.select_related("type", "issuer", "seal_key__seal").order_by("-pk").first()
    assert latest is not None
    pdf_size = [0]

    def render(_i: int) -> None:
        pdf_size[0] = len(licence_pdf(latest))

    pdf_ms = timed(args.pdfs, render, warmup=3)
    result["pdf"] = {**summary(pdf_ms), "bytes": pdf_size[0]}
    print(
        f"[licences] licence_pdf: p50 {result['pdf']['p50_ms']:.1f} ms  p99 {result['pdf']['p99_ms']:.1f} ms",
        flush=True,
    )

    qr = qr_payload(latest)
    verdicts: dict[str, str] = {}

    def verify_qr(_i: int) -> None:
        verdicts["qr"] = verify_text(qr).state

    def verify_identifier(_i: int) -> None:
        verdicts["identifier"] = verify_text(latest.identifier).state

    with counting_queries() as ctx:
        verify_text(qr)
        qr_queries = len(ctx.captured_queries)
    result["verify_qr"] = {
        **summary(timed(args.verifies, verify_qr, warmup=20)),
        "payload_chars": len(qr),
        "queries": qr_queries,
    }
    result["verify_identifier"] = summary(timed(args.verifies, verify_identifier, warmup=20))
    result["verdicts"] = verdicts
    if set(verdicts.values()) != {"valid"}:
        raise RuntimeError(f"the benchmark's licence does not verify: {verdicts}")
    print(
        f"[licences] verify_text: QR payload p50 {result['verify_qr']['p50_ms']:.2f} ms "
        f"p99 {result['verify_qr']['p99_ms']:.2f} ms; identifier p50 {result['verify_identifier']['p50_ms']:.2f} ms "
        f"p99 {result['verify_identifier']['p99_ms']:.2f} ms",
        flush=True,
    )
    return result


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str] = {}
    for dist in ("gmssl-pyx", "gmssl", "cryptography", "reportlab", "django", "psycopg"):
        with contextlib.suppress(PackageNotFoundError):
            out[dist] = version(dist)
    with contextlib.suppress(Exception):
        from cryptography.hazmat.backends.openssl.backend import backend

        out["openssl"] = backend.openssl_version_text()
    with contextlib.suppress(Exception):
        import gmssl_pyx

        out["gmssl-pyx GmSSL"] = str(getattr(gmssl_pyx, "version", ""))
    return out


# --- report -------------------------------------------------------------------------------------


def print_result(r: dict[str, Any]) -> None:
    sign = r["signatures"]["operations"]["platform_sign"]
    met = "met" if sign["per_s_median"] >= TARGET_SIGN_PER_S else "NOT met"
    print(
        f"[licences] {r['database']}: platform SM2 sign {sign['per_s_median']:.0f}/s per core "
        f"(target ≥ {TARGET_SIGN_PER_S}/s: {met}); issue p50 {r['issue']['p50_ms']:.1f} ms p99 "
        f"{r['issue']['p99_ms']:.1f} ms; PDF p50 {r['pdf']['p50_ms']:.0f} ms; verify_text p50 "
        f"{r['verify_qr']['p50_ms']:.2f} ms"
    )


def markdown(r: dict[str, Any]) -> list[str]:
    sig = r["signatures"]
    lines = [
        f"E-licence signatures ({r['payload_bytes']}-byte canonical document, one thread, "
        f"{sig['rounds']} interleaved rounds of {sig['seconds_per_round']:g} s; other work on the machine "
        f"at most {sig['other_cores_max']:.2f} cores in a round):",
        "",
        "| operation | library | ops/s (median) | min–max | ops per CPU-second | µs/op | ratio to platform sign |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for op in sig["operations"].values():
        lines.append(
            f"| {op['label']} | {op['library']} | {op['per_s_median']:.0f} "
            f"| {op['per_s_min']:.0f}–{op['per_s_max']:.0f} | {op['per_cpu_s_median']:.0f} "
            f"| {op['us_per_op']:.0f} | {op['ratio_to_platform_sign']:.2f} |"
        )
    lines += [
        "",
        f"On {r['database']}:",
        "",
        "| in-process | n | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in (
        ("issue", f"`services.licence_issue` ({r['issue']['queries_per_issue']:.0f} queries)"),
        ("pdf", f"`printing.licence_pdf` ({r['pdf']['bytes'] // 1024} KB)"),
        ("verify_qr", f"`verify_text`, QR payload ({r['verify_qr']['queries']} queries)"),
        ("verify_identifier", "`verify_text`, identifier"),
    ):
        s = r[key]
        lines.append(
            f"| {label} | {s['n']} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['p99_ms']:.2f} | {s['max_ms']:.2f} |"
        )
    lines += ["", "| phase of one issue (inclusive) | ms | queries |", "| --- | ---: | ---: |"]
    for label, ph in r["issue"]["phases"].items():
        lines.append(f"| {label} | {ph['ms_per_op']:.2f} | {ph['queries_per_op']:.0f} |")
    lines.append("")
    return lines


# --- main (the in-process half) -----------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["measure"])
    parser.add_argument("--out", type=Path, required=True, help="write the JSON result here")
    parser.add_argument("--crypto-rounds", type=int, default=5)
    parser.add_argument("--crypto-seconds", type=float, default=1.0)
    parser.add_argument("--issues", type=int, default=300)
    parser.add_argument("--profiled", type=int, default=100)
    parser.add_argument("--pdfs", type=int, default=100)
    parser.add_argument("--verifies", type=int, default=1000)
    args = parser.parse_args(argv)
    result = cmd_measure(args)
    from bench.inproc import write_result  # sets Django up: only in the measuring process

    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

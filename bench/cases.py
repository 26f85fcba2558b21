"""Case submissions, task completion and catalogue search on PostgreSQL (and search on SQLite too).

Called from bench/run.py (``make bench``; ``bench/run.py --only cases,tasks,search``). Three parts:

``cases``: a throwaway PostgreSQL database ``dgov_bench_<random>`` on 127.0.0.1:5432 (user postgres),
dropped at the end whatever happens, is migrated and loaded like ``make run`` does (seed_calendar,
load_processes, load_demo, load_demo_catalog); bench/inproc.py adds bench applicants with signed-in
sessions, a partner API token and their OpenID Connect access tokens, and the ``bench_insert`` table.
gunicorn serves ``bench.settings`` from it with persistent database connections
(``DB_CONN_MAX_AGE=60``, as docs/deployment.md says production runs). At 1, 10 and 50 concurrent
client connections, in interleaved rounds, it measures:

- ``insert``: POST /bench/insert/, one INSERT and 201 (the baseline);
- ``food``: POST /api/v1/cases, multipart: 食品经营许可 with its two required PDFs (20 KB each),
  an enterprise's browser session + CSRF token;
- ``json``: POST /api/v1/cases, JSON: 城乡居民养老保险参保登记, whose required materials are all
  government data (nothing to upload), a citizen's browser session + CSRF token;
- ``partner``: POST /api/v1/cases, multipart: 社会保障卡申领 (the demo item open to the partner
  channel; one 20 KB PDF), the partner's API token + the citizen's access token in X-On-Behalf-Of.

Every submission has a new Idempotency-Key; only 201s count, anything else is an error. Each client
connection is one applicant. Reported: requests/s, p50/p99, the ratio to ``insert`` per round
(median), CPU per request of gunicorn and of PostgreSQL, and what PostgreSQL's backends were doing
(sampled from pg_stat_activity: running, waiting for a lock, idle).

``profile``, ``instant`` and ``tasks`` (in-process on the same database, bench/inproc.py): where one
submission's time and queries go; the instant-approval item against its plain twin (CPU, queries
and phases per request, interleaved); one staff step (``case_task_complete``, accept) and the
kernel's bare ``task_complete``: p50/p99, queries, phases.

``search``: 5,000 published items (the 49 demo items and generated variants), 20 queries × 5
filter sets, on the same PostgreSQL database and on a throwaway SQLite database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import run as core

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
CASE_ENDPOINTS = ("insert", "floor", "floor_json", "food", "json", "partner", "plain", "plain_unchecked", "instant")
DB_CONN_MAX_AGE = 60  # docs/deployment.md: DATABASE_URL=postgres://… DB_CONN_MAX_AGE=60


# --- the throwaway PostgreSQL database --------------------------------------------------------


def pg_reachable() -> str | None:
    """None when PostgreSQL answers on 127.0.0.1:5432 as postgres, else why not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a runtime dependency
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _admin() -> Any:
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=5
    )


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """CREATE DATABASE dgov_bench_<random>; yields its DATABASE_URL; DROP … WITH (FORCE) at the end."""
    name = f"dgov_bench_{secrets.token_hex(4)}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"[cases] throwaway PostgreSQL database {name} created")
    try:
        yield f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        for attempt in range(3):
            try:
                with _admin() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                print(f"[cases] database {name} dropped")
                break
            except Exception as exc:
                if attempt == 2:
                    print(f"[cases] could not drop {name}: {exc}; drop it by hand", file=sys.stderr)
                time.sleep(1)


class PostgresProbe(core.CpuProbe):
    """PostgreSQL's processes that work for the benchmark: the backends connected to its database and
    the shared background processes (WAL writer, checkpointer, …). Backends of other databases (other
    people's tests) are left out; the sampler's own backend too."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.dbname = url.rsplit("/", 1)[1]
        self.conn = psycopg.connect(url, autocommit=True)
        self.own = self.conn.info.backend_pid
        self.samples: list[tuple[int, int, int, int]] = []
        self.lock_waits: dict[str, int] = {}  # waiting statements, by their first words
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def pids(self) -> list[int]:
        rows = self._query(
            "SELECT pid FROM pg_stat_activity WHERE (datname = %s OR backend_type <> 'client backend') AND pid <> %s",
            (self.dbname, self.own),
        )
        return [r[0] for r in rows]

    def start_sampling(self, every: float = 0.1) -> None:
        """Count the benchmark database's backends by what they do, `1/every` times a second."""
        self.samples = []
        self.lock_waits = {}
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(every):
                rows = self._query(
                    "SELECT state, wait_event_type, left(query, 60) FROM pg_stat_activity "
                    "WHERE datname = %s AND backend_type = 'client backend' AND pid <> %s",
                    (self.dbname, self.own),
                )
                running = sum(1 for s, w, _q in rows if s == "active" and w != "Lock")
                locked = [q for s, w, q in rows if s == "active" and w == "Lock"]
                in_tx = sum(1 for s, _w, _q in rows if s and s.startswith("idle in transaction"))
                self.samples.append((running, len(locked), in_tx, len(rows)))
                for q in locked:
                    key = " ".join(q.replace('"', "").split()[:4])
                    self.lock_waits[key] = self.lock_waits.get(key, 0) + 1

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop_sampling(self) -> dict[str, Any]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        n = len(self.samples) or 1
        return {
            "backends": round(sum(s[3] for s in self.samples) / n, 1),
            "running": round(sum(s[0] for s in self.samples) / n, 2),
            "waiting_for_lock": round(sum(s[1] for s in self.samples) / n, 2),
            "idle_in_transaction": round(sum(s[2] for s in self.samples) / n, 2),
            "lock_waits_by_statement": {k: round(v / n, 2) for k, v in sorted(self.lock_waits.items())},
        }

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):
            self.conn.close()


# --- requests ---------------------------------------------------------------------------------


def multipart(fields: list[tuple[str, str | None, str | None, bytes]]) -> tuple[str, bytes]:
    """(content type, body) of a multipart/form-data body: (name, file name, content type, bytes)."""
    boundary = "dgovbench" + secrets.token_hex(12)
    out = bytearray()
    for name, filename, ctype, data in fields:
        out += f"--{boundary}\r\n".encode()
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += disposition.encode() + b"\r\n"
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)


def request_maker(
    port: int, path: str, headers: dict[str, str], ctype: str, body: bytes, key_prefix: str | None
) -> Callable[[], bytes]:
    """A function making the bytes of one POST; with key_prefix, each with a new Idempotency-Key."""
    fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    start = (
        f"POST {path} HTTP/1.1\r\nHost: {core.HOST}:{port}\r\nUser-Agent: dgov-bench\r\nAccept-Language: zh-hans\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{fixed}"
    ).encode()
    counter = [0]

    def make() -> bytes:
        if key_prefix is None:
            return start + b"\r\n" + body
        counter[0] += 1
        return start + f"Idempotency-Key: {key_prefix}-{counter[0]}\r\n\r\n".encode("ascii") + body

    return make


def build_requests(port: int, creds: dict[str, Any]) -> dict[str, list[Callable[[], bytes]]]:
    """Per endpoint, one request maker per applicant (client connection i is applicant i)."""
    from bench.payloads import (
        FOOD_ITEM,
        INSTANT_ITEM,
        JSON_ITEM,
        PARTNER_ITEM,
        PLAIN_ITEM,
        PLAIN_UNCHECKED_ITEM,
        make_pdf,
        signature_data_url,
    )

    run_id = secrets.token_hex(4)
    food_pdfs = {mid: make_pdf(f"food material {mid}") for mid in creds["items"][FOOD_ITEM]["uploads"]}
    photo = {mid: make_pdf(f"photo {mid}") for mid in creds["items"][PARTNER_ITEM]["uploads"]}
    out: dict[str, list[Callable[[], bytes]]] = {name: [] for name in CASE_ENDPOINTS}
    # A citizen's own online application carries a drawn signature (ignored by items that ask none).
    signature = {"kind": "drawn", "image": signature_data_url()}
    for i, (ent, cit) in enumerate(zip(creds["enterprises"], creds["citizens"], strict=True)):
        insert_body = json.dumps({"item_code": JSON_ITEM, "data": cit["data"]}, ensure_ascii=False).encode()
        out["insert"].append(request_maker(port, "/bench/insert/", {}, "application/json", insert_body, None))

        session = {
            "Cookie": f"sessionid={ent['sessionid']}; csrftoken={ent['csrftoken']}",
            "X-CSRFToken": ent["csrftoken"],
        }
        payload = json.dumps({"item_code": FOOD_ITEM, "data": ent["data"]}, ensure_ascii=False).encode()
        ctype, body = multipart(
            [("payload", None, None, payload)]
            + [(f"material_{mid}", f"材料{mid}.pdf", "application/pdf", pdf) for mid, pdf in food_pdfs.items()]
        )
        out["food"].append(request_maker(port, "/api/v1/cases", session, ctype, body, f"bench-{run_id}-f{i}"))
        # The floor under any submission (bench/urls.py): the same session, body and files.
        out["floor"].append(request_maker(port, "/bench/floor/", session, ctype, body, None))

        session = {
            "Cookie": f"sessionid={cit['sessionid']}; csrftoken={cit['csrftoken']}",
            "X-CSRFToken": cit["csrftoken"],
        }
        body = json.dumps(
            {"item_code": JSON_ITEM, "data": cit["data"], "signature": signature}, ensure_ascii=False
        ).encode()
        out["json"].append(
            request_maker(port, "/api/v1/cases", session, "application/json", body, f"bench-{run_id}-j{i}")
        )
        out["floor_json"].append(request_maker(port, "/bench/floor/", session, "application/json", body, None))

        partner = {"Authorization": f"Bearer {creds['partner_token']}", "X-On-Behalf-Of": cit["access_token"]}
        payload = json.dumps({"item_code": PARTNER_ITEM, "data": cit["partner_data"]}, ensure_ascii=False).encode()
        ctype, body = multipart(
            [("payload", None, None, payload)]
            + [(f"material_{mid}", f"照片{mid}.pdf", "application/pdf", pdf) for mid, pdf in photo.items()]
        )
        out["partner"].append(request_maker(port, "/api/v1/cases", partner, ctype, body, f"bench-{run_id}-p{i}"))

        # 秒批 end to end (rules decide, the e-licence is signed after commit within the request, the
        # applicant is told) against the same item and form without rules.
        session = {
            "Cookie": f"sessionid={cit['sessionid']}; csrftoken={cit['csrftoken']}",
            "X-CSRFToken": cit["csrftoken"],
        }
        for name, code in (("instant", INSTANT_ITEM), ("plain", PLAIN_ITEM), ("plain_unchecked", PLAIN_UNCHECKED_ITEM)):
            body = json.dumps(
                {"item_code": code, "data": cit["instant_data"], "signature": signature}, ensure_ascii=False
            ).encode()
            out[name].append(
                request_maker(port, "/api/v1/cases", session, "application/json", body, f"bench-{run_id}-{name}-{i}")
            )
    return out


ENDPOINT_PATHS = {
    "insert": "/bench/insert/",
    "floor": "/bench/floor/",
    "floor_json": "/bench/floor/",
    "food": "/api/v1/cases",
    "json": "/api/v1/cases",
    "partner": "/api/v1/cases",
    "plain": "/api/v1/cases",
    "plain_unchecked": "/api/v1/cases",
    "instant": "/api/v1/cases",
}


# --- steps ------------------------------------------------------------------------------------


def paired(
    port: int, first: list[Callable[[], bytes]], second: list[Callable[[], bytes]], seconds: float, concurrency: int
) -> tuple[list[float], list[float], int]:
    """Each client connection i sends first[i] and second[i] alternately, back to back, for `seconds`.

    The two kinds meet the machine at the same moments, so their ratio is not moved by this VM's
    speed changing between rounds (it does, by up to a quarter within seconds). Returns the
    latencies (ms) of each kind and the number of answers other than 201."""
    start = threading.Barrier(concurrency + 1)
    deadline = [0.0]
    latencies: list[tuple[list[float], list[float]]] = [([], []) for _ in range(concurrency)]
    errors = [0] * concurrency

    def worker(i: int) -> None:
        conn = core.Connection(port, "/", None)
        makers = (first[i % len(first)], second[i % len(second)])
        out = latencies[i]
        start.wait()
        turn = i % 2  # half the connections start with each kind
        now = time.perf_counter()
        while now < deadline[0]:
            conn.make_request = makers[turn]
            try:
                status = conn.get()
            except OSError:
                conn.close()
                status = 0
            done = time.perf_counter()
            if status != 201:
                errors[i] += 1
            elif done <= deadline[0]:
                out[turn].append((done - now) * 1000)
            turn, now = 1 - turn, done
        conn.close()

    core.run_clients(worker, concurrency, seconds, start, deadline)
    return (
        sorted(x for lat in latencies for x in lat[0]),
        sorted(x for lat in latencies for x in lat[1]),
        sum(errors),
    )


def paired_rounds(
    args: argparse.Namespace, port: int, requests: dict[str, list[Callable[[], bytes]]], twin: str, concurrency: int
) -> dict[str, Any]:
    """Instant approvals and their twin's submissions paired on every connection, round by round."""
    paired(port, requests[twin], requests["instant"], args.cases_warmup, concurrency)
    rounds: list[dict[str, Any]] = []
    pooled: tuple[list[float], list[float]] = ([], [])
    for rnd in range(1, args.cases_rounds + 1):
        plain_ms, instant_ms, errors = paired(
            port, requests[twin], requests["instant"], args.cases_duration, concurrency
        )
        if not plain_ms or not instant_ms:
            raise RuntimeError(f"paired {twin}/instant at {concurrency} clients: no answers ({errors} errors)")
        ratio = core.percentile(instant_ms, 0.5) / core.percentile(plain_ms, 0.5)
        rounds.append(
            {
                "round": rnd,
                "twin_p50_ms": core.percentile(plain_ms, 0.5),
                "instant_p50_ms": core.percentile(instant_ms, 0.5),
                "instant_p99_ms": core.percentile(instant_ms, 0.99),
                "ratio_p50": ratio,
                "requests": [len(plain_ms), len(instant_ms)],
                "errors": errors,
            }
        )
        pooled[0].extend(plain_ms)
        pooled[1].extend(instant_ms)
        print(
            f"[cases] c={concurrency:<3d} round {rnd} paired {twin}/instant: p50 "
            f"{rounds[-1]['twin_p50_ms']:.1f} / {rounds[-1]['instant_p50_ms']:.1f} ms, ratio {ratio:.2f}, "
            f"instant p99 {rounds[-1]['instant_p99_ms']:.1f} ms, errors {errors}"
        )
    return {
        "twin": twin,
        "rounds": rounds,
        "ratio_p50_median": statistics.median(r["ratio_p50"] for r in rounds),
        "twin_p50_ms": core.percentile(sorted(pooled[0]), 0.5),
        "instant_p50_ms": core.percentile(sorted(pooled[1]), 0.5),
        "instant_p99_ms": core.percentile(sorted(pooled[1]), 0.99),
    }


def manage(env: dict[str, str], *command: str, timeout: float = 300) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=core.BASE_DIR,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


def bench_env(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of the platform's processes: bench.settings without DEBUG, files under var_dir;
    with database_url, that database with persistent connections (DB_CONN_MAX_AGE)."""
    database = {"DATABASE_URL": database_url, "DB_CONN_MAX_AGE": str(DB_CONN_MAX_AGE)} if database_url else {}
    return core.clean_env(
        DGOV_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="bench.settings", DEBUG="0", LOG_LEVEL="WARNING", **database
    )


def inproc(
    env: dict[str, str], tmp: Path, command: str, *options: str, module: str = "bench.inproc", timeout: float = 600
) -> dict[str, Any]:
    """Run `python -m <module> command` with env (bench.inproc, or bench.licences); its JSON result."""
    out = tmp / f"{command}.json"
    log = tmp / f"{command}.log"
    with log.open("wb") as stream:
        proc = subprocess.run(
            [sys.executable, "-m", module, command, "--out", str(out), *options],
            cwd=core.BASE_DIR,
            env=env,
            timeout=timeout,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {command} failed ({proc.returncode}):\n" + core.tail(log))
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def load_reference_data(env: dict[str, str], *, catalogue_only: bool = False) -> float:
    t0 = time.perf_counter()
    manage(env, "migrate", "--noinput")
    steps = (
        ("load_demo", "load_demo_catalog")
        if catalogue_only
        else ("seed_calendar", "load_processes", "load_demo", "load_demo_catalog", "load_demo_licences")
    )
    for step in steps:
        manage(env, step)
    return time.perf_counter() - t0


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind={core.HOST}:{port}",
        f"--workers={workers}",
        "--timeout=60",
        "--graceful-timeout=5",
        "--log-level=warning",
        "--backlog=2048",
    ]
    if threads > 1:
        cmd += ["--worker-class=gthread", f"--threads={threads}"]
    else:
        cmd += ["--worker-class=sync"]
    return cmd


def _last_instant_case(url: str) -> tuple[str, str, bool]:
    """(status, result, has an e-licence) of the newest instant-approval bench case."""
    import psycopg

    from bench.payloads import INSTANT_ITEM

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT c.status, c.result, EXISTS (SELECT 1 FROM licences_licence l WHERE l.case_id = c.id) "
            "FROM cases_case c JOIN catalog_serviceitem i ON i.id = c.item_id "
            "WHERE i.code = %s ORDER BY c.id DESC LIMIT 1",
            (INSTANT_ITEM,),
        ).fetchone()
    return (row[0], row[1], bool(row[2])) if row else ("", "", False)


def first_answer(port: int, make: Callable[[], bytes]) -> tuple[int, str]:
    conn = core.Connection(port, "/", make)
    try:
        status = conn.get()
        return status, conn.body_start.decode("utf-8", "replace")
    finally:
        conn.close()


def server_label(workers: int, threads: int) -> str:
    return f"{workers} × gthread {threads} threads" if threads > 1 else f"{workers} sync workers"


def submission_rates(
    args: argparse.Namespace,
    env: dict[str, str],
    tmp: Path,
    url: str,
    creds: dict[str, Any],
    *,
    server_config: tuple[int, int],
    levels: list[int],
    wanted: list[str],
) -> dict[str, Any]:
    """Insert and submissions through one gunicorn configuration (workers, threads) at `levels` clients."""
    workers, threads = server_config
    port = core.free_port()
    cmd = gunicorn_command(port, workers, threads)
    server = core.spawn(cmd, env=env, cwd=core.BASE_DIR, log=tmp / "gunicorn.log")
    probe = PostgresProbe(url)
    phases: list[core.Phase] = []
    activity: dict[str, dict[str, Any]] = {}
    try:
        deadline = time.monotonic() + 60
        while core.get_status(port, "/healthz") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not serve /healthz:\n" + core.tail(tmp / "gunicorn.log"))
            time.sleep(0.1)
        requests = build_requests(port, creds)
        endpoints = [name for name in CASE_ENDPOINTS if name in wanted]
        for name in endpoints:  # every endpoint answers as expected before anything is timed
            status, body = first_answer(port, requests[name][0])
            if status != 201:
                raise RuntimeError(
                    f"{name}: {ENDPOINT_PATHS[name]} answered {status}: {body}\n" + core.tail(tmp / "gunicorn.log")
                )
            if name == "instant":
                verdict = _last_instant_case(url)
                if verdict != ("concluded", "approved", True):
                    raise RuntimeError(f"instant: the bench application was not approved with a licence: {verdict}")
        print(
            f"[cases] gunicorn on {core.HOST}:{port}: {server_label(workers, threads)}, "
            f"DB_CONN_MAX_AGE={DB_CONN_MAX_AGE}, pid {server.pid}"
        )
        paired_results: dict[str, Any] = {}
        for concurrency in levels:
            if concurrency > len(creds["enterprises"]):
                raise RuntimeError(f"{concurrency} clients need as many bench applicants (--cases-users)")
            for name in endpoints:
                core.measure(
                    port, server.pid, name, 0, args.cases_warmup, concurrency,
                    path=ENDPOINT_PATHS[name], requests=requests[name], expect=201,
                )  # fmt: skip
            for rnd in range(1, args.cases_rounds + 1):
                for name in endpoints:
                    probe.start_sampling()
                    phase = core.measure(
                        port, server.pid, name, rnd, args.cases_duration, concurrency,
                        path=ENDPOINT_PATHS[name], requests=requests[name], expect=201, probe=probe,
                    )  # fmt: skip
                    activity[f"{concurrency}/{name}/{rnd}"] = probe.stop_sampling()
                    phases.append(phase)
                    print(
                        f"[cases] c={concurrency:<3d} round {rnd} {name:8s} {phase.rps:7.1f} req/s  "
                        f"p50 {phase.p50_ms:7.1f} ms  p99 {phase.p99_ms:7.1f} ms  "
                        f"CPU ms/req gunicorn {phase.server_cpu_ms_per_req:5.1f} "
                        f"postgres {phase.db_cpu_ms_per_req:5.1f}  "
                        f"cores server/db/client/other {phase.server_cores:.2f}/{phase.db_cores:.2f}/"
                        f"{phase.client_cores:.2f}/{phase.other_cores:.2f}  "
                        f"pg lock waits {activity[f'{concurrency}/{name}/{rnd}']['waiting_for_lock']:.1f}  "
                        f"errors {phase.errors}{' ' + json.dumps(phase.error_statuses) if phase.errors else ''}"
                    )
                    waits = activity[f"{concurrency}/{name}/{rnd}"]["lock_waits_by_statement"]
                    if waits:
                        print(
                            "[cases]   backends waiting for a lock, by statement: "
                            + json.dumps(waits, ensure_ascii=False)
                        )
                    if phase.error_sample:
                        print(f"[cases]   first error: {phase.error_sample[:300]}")
            if "instant" in endpoints:
                for twin in ("plain", "plain_unchecked"):
                    if twin in endpoints:
                        paired_results[f"{concurrency}/{twin}"] = paired_rounds(args, port, requests, twin, concurrency)
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during the run:\n" + core.tail(tmp / "gunicorn.log"))
        if any(p.errors for p in phases):
            print("[cases] the server's log ends with:\n" + core.tail(tmp / "gunicorn.log"))
    finally:
        probe.close()
        core.stop(server)

    summary: dict[str, dict[str, Any]] = {}
    for concurrency in levels:
        level: dict[str, Any] = {}
        for name in endpoints:
            mine = [p for p in phases if p.endpoint == name and p.concurrency == concurrency]
            pooled = sorted(x for p in mine for x in p.latencies_ms)
            acts = [activity[f"{concurrency}/{name}/{p.round}"] for p in mine]
            errors: dict[str, int] = {}
            for p in mine:
                for k, v in p.error_statuses.items():
                    errors[k] = errors.get(k, 0) + v
            level[name] = {
                "rps_median": statistics.median(p.rps for p in mine),
                "rps_min": min(p.rps for p in mine),
                "rps_max": max(p.rps for p in mine),
                "p50_ms": core.percentile(pooled, 0.50),
                "p99_ms": core.percentile(pooled, 0.99),
                "server_cpu_ms_per_req": statistics.median(p.server_cpu_ms_per_req for p in mine),
                "db_cpu_ms_per_req": statistics.median(p.db_cpu_ms_per_req for p in mine),
                "client_cpu_ms_per_req": statistics.median(p.client_cpu_ms_per_req for p in mine),
                "server_cores": statistics.median(p.server_cores for p in mine),
                "db_cores": statistics.median(p.db_cores for p in mine),
                "client_cores": statistics.median(p.client_cores for p in mine),
                "other_cores_max": max(p.other_cores for p in mine),
                "pg_waiting_for_lock": statistics.median(a["waiting_for_lock"] for a in acts),
                "pg_running": statistics.median(a["running"] for a in acts),
                "requests": sum(p.requests for p in mine),
                "errors": errors,
            }
            if name != "insert" and "insert" in endpoints:
                per_round = [
                    next(p.rps for p in mine if p.round == r)
                    / max(
                        1e-9,
                        next(
                            p.rps
                            for p in phases
                            if p.endpoint == "insert" and p.concurrency == concurrency and p.round == r
                        ),
                    )
                    for r in range(1, args.cases_rounds + 1)
                ]
                level[name]["ratio_to_insert"] = statistics.median(per_round)
                level[name]["ratio_rounds"] = per_round
            for twin, key in (("plain", "p50_ratio_to_plain"), ("plain_unchecked", "p50_ratio_to_plain_unchecked")):
                if name != "instant" or twin not in endpoints:
                    continue
                # Time per submission, instant over its twin without rules, per round: what the rules add.
                per_round = [
                    next(p.p50_ms for p in mine if p.round == r)
                    / max(
                        1e-9,
                        next(
                            p.p50_ms
                            for p in phases
                            if p.endpoint == twin and p.concurrency == concurrency and p.round == r
                        ),
                    )
                    for r in range(1, args.cases_rounds + 1)
                ]
                level[name][key] = statistics.median(per_round)
                level[name][key.replace("ratio_to", "ratio_rounds_to")] = per_round
        summary[str(concurrency)] = level
    return {
        "config": {
            "server": " ".join(cmd[2:]).replace(f":{port}", ":<free port>"),
            "settings": "bench.settings, DEBUG=0, DGOV_MODE=embedded, PostgreSQL, LocMemCache, demo data",
            "db_conn_max_age": DB_CONN_MAX_AGE,
            "workers": workers,
            "threads": threads,
            "server_label": server_label(workers, threads),
            "concurrency": levels,
            "duration_s": args.cases_duration,
            "warmup_s": args.cases_warmup,
            "rounds": args.cases_rounds,
            "endpoints": endpoints,
            "applicants": len(creds["enterprises"]),
        },
        "phases": [{k: v for k, v in asdict(p).items() if k != "latencies_ms"} for p in phases],
        "pg_activity": activity,
        "summary": summary,
        "paired": paired_results,
    }


# --- the whole PostgreSQL part, and search on SQLite ------------------------------------------


def bench_postgres(args: argparse.Namespace, parts: set[str]) -> dict[str, Any]:
    """The cases, profile, instant, tasks and search parts that run on the throwaway PostgreSQL database."""
    why = pg_reachable()
    if why is not None:
        print(
            f"[cases] PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} as {PG_USER} ({why}): skipping {sorted(parts)}"
        )
        return {"skipped": f"PostgreSQL not reachable: {why}"}
    result: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="dgov-bench-pg-"))
    try:
        with throwaway_database() as url:
            env = bench_env(tmp / "var", url)
            seconds = load_reference_data(env)
            print(f"[cases] migrated and loaded like `make run` in {seconds:.1f} s")
            result["setup_seconds"] = round(seconds, 1)
            if parts & {"cases", "profile", "instant", "tasks"}:
                creds = inproc(env, tmp, "setup", "--users", str(args.cases_users))
                print(
                    f"[cases] {args.cases_users} bench enterprises and citizens, sessions and tokens "
                    f"in {creds['seconds']} s"
                )
            if "cases" in parts:
                first, *others = args.cases_servers
                result["rates"] = submission_rates(
                    args,
                    env,
                    tmp,
                    url,
                    creds,
                    server_config=first,
                    levels=args.cases_concurrency,
                    wanted=args.cases_endpoints,
                )
                comparison = []
                for config in others:  # the other server configurations: insert and food at the highest level
                    comparison.append(
                        submission_rates(
                            args,
                            env,
                            tmp,
                            url,
                            creds,
                            server_config=config,
                            levels=[max(args.cases_concurrency)],
                            wanted=["insert", "food"],
                        )
                    )
                if comparison:
                    result["server_comparison"] = [result["rates"], *comparison]
            if "profile" in parts:
                result["profile"] = prof = inproc(env, tmp, "profile", "--n", str(args.profile_n))
                print(
                    f"[profile] case_submit in-process p50 {prof['service_plain']['p50_ms']:.1f} ms, "
                    f"{prof['service_queries_per_submission']:.0f} queries; the API request p50 "
                    f"{prof['api_request']['p50_ms']:.1f} ms, {prof['api_request']['queries']:.0f} queries; "
                    f"case-number row lock held p50 {prof['number_lock_held']['p50_ms']:.1f} ms, audit chain head "
                    f"{prof['chain_head_lock_held']['p50_ms']:.1f} ms"
                )
            if "instant" in parts:
                result["instant"] = ins = inproc(env, tmp, "instant", "--n", str(args.profile_n))
                for name in ("plain", "plain_unchecked", "instant"):
                    print(
                        f"[instant] {name:15s} in-process p50 {ins[name]['wall']['p50_ms']:.1f} ms, CPU "
                        f"{ins[name]['cpu_ms_median']:.1f} ms, {ins[name]['queries']:.0f} queries per request"
                    )
                print(
                    f"[instant] instant/plain: p50 {ins['ratio_p50']:.2f}, CPU {ins['ratio_cpu']:.2f}; instant/"
                    f"plain_unchecked: p50 {ins['ratio_p50_unchecked']:.2f}, CPU {ins['ratio_cpu_unchecked']:.2f}"
                )
            if "tasks" in parts:
                result["tasks"] = tasks = inproc(env, tmp, "tasks", "--k", str(args.tasks_k))
                for label in ("case_task_complete", "workflow.task_complete"):
                    t = tasks[label]
                    print(
                        f"[tasks] {label}: p50 {t['p50_ms']:.1f} ms  p99 {t['p99_ms']:.1f} ms  "
                        f"{t['queries']:.0f} queries  (n={t['n']})"
                    )
            if "search" in parts:
                result["search"] = s = inproc(env, tmp, "search", *search_options(args))
                print_search(s)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def search_options(args: argparse.Namespace) -> list[str]:
    cache = getattr(args, "segment_cache", None)
    return ["--items", str(args.search_items), *(["--segment-cache", str(cache)] if cache else [])]


def print_search(s: dict[str, Any]) -> None:
    print(
        f"[search] {s['vendor']}: {s['published_items']} items, {s['search_tokens']} tokens "
        f"(generated {s['generation']['generated']} in {s['generation']['seconds']} s): search + count + page of 20 "
        f"p50 {s['selector']['p50_ms']:.1f} ms p95 {s['selector']['p95_ms']:.1f} ms; whole /services/ page "
        f"p50 {s['page']['p50_ms']:.1f} ms p95 {s['page']['p95_ms']:.1f} ms"
    )


def bench_search_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="dgov-bench-sqlite-"))
    try:
        env = bench_env(tmp / "var")
        seconds = load_reference_data(env, catalogue_only=True)
        print(f"[search] throwaway SQLite database migrated and loaded in {seconds:.1f} s")
        s = inproc(env, tmp, "search", *search_options(args))
        print_search(s)
        return s
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    def levels(text: str) -> list[int]:
        values = [int(x) for x in text.split(",") if x.strip()]
        if not values or min(values) < 1:
            raise argparse.ArgumentTypeError("give positive numbers, e.g. 1,10,50")
        return values

    group = parser.add_argument_group("cases, tasks and search (PostgreSQL at 127.0.0.1:5432, user postgres)")
    group.add_argument("--cases-concurrency", type=levels, default=[1, 10, 50], help="client connections (1,10,50)")
    group.add_argument("--cases-duration", type=float, default=4.0, help="seconds per endpoint, round and level (4)")
    group.add_argument("--cases-warmup", type=float, default=1.5, help="warm-up seconds per endpoint and level (1.5)")
    group.add_argument("--cases-rounds", type=int, default=3, help="interleaved rounds insert, food, json, partner (3)")

    def servers(text: str) -> list[tuple[int, int]]:
        out = []
        for part in text.split(","):
            workers, _, threads = part.strip().partition("x")
            if not workers.isdigit() or not (threads or "1").isdigit() or int(workers) < 1 or int(threads or 1) < 1:
                raise argparse.ArgumentTypeError("give WORKERSxTHREADS,… e.g. 4x1,2x4 (x1: sync workers)")
            out.append((int(workers), int(threads or 1)))
        return out

    group.add_argument(
        "--cases-servers",
        type=servers,
        default=[(4, 1)],
        help="gunicorn WORKERSxTHREADS (x1: sync workers, else gthread) for the cases part (4x1, as "
        "docs/deployment.md runs it); more than one, e.g. 4x1,2x1,2x4: the others are compared at the "
        "highest level on insert and food",
    )
    group.add_argument(
        "--cases-endpoints",
        type=lambda text: [x.strip() for x in text.split(",") if x.strip() in CASE_ENDPOINTS],
        default=list(CASE_ENDPOINTS),
        help="which of insert,food,json,partner,plain,instant (all)",
    )
    group.add_argument("--cases-users", type=int, default=50, help="bench enterprises and citizens (50 each)")
    group.add_argument(
        "--profile-n", type=int, default=30, help="submissions in the in-process profile and instant parts (30)"
    )
    group.add_argument("--tasks-k", type=int, default=200, help="task completions timed per kind (200)")
    group.add_argument("--search-items", type=int, default=5000, help="published items searched (5000)")


# --- report -----------------------------------------------------------------------------------


def markdown(pg: dict[str, Any], sqlite_search: Any) -> list[str]:
    lines: list[str] = []
    if pg.get("skipped"):
        lines += [f"PostgreSQL parts skipped: {pg['skipped']}", ""]
    rates = pg.get("rates")
    if isinstance(rates, dict):
        lines += [
            f"Case submissions on PostgreSQL ({rates['config']['server']}, DB_CONN_MAX_AGE="
            f"{rates['config']['db_conn_max_age']}); only 201s count:",
            "",
            "| clients | endpoint | req/s (median) | min–max | p50 ms | p99 ms | ratio to insert "
            "| gunicorn CPU ms/req | PostgreSQL CPU ms/req | PG backends waiting for a lock | errors |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for level, endpoints in rates["summary"].items():
            for name, s in endpoints.items():
                ratio = (
                    "1" if name == "insert" else f"**{s['ratio_to_insert']:.2f}**" if "ratio_to_insert" in s else "–"
                )
                errors = ", ".join(f"{k}: {v}" for k, v in s["errors"].items()) or "0"
                lines.append(
                    f"| {level} | {name} | {s['rps_median']:.1f} | {s['rps_min']:.1f}–{s['rps_max']:.1f} "
                    f"| {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {ratio} | {s['server_cpu_ms_per_req']:.1f} "
                    f"| {s['db_cpu_ms_per_req']:.1f} | {s['pg_waiting_for_lock']:.1f} | {errors} |"
                )
        other = max(p["other_cores"] for p in rates["phases"])
        client = max(p["client_cores"] for p in rates["phases"])
        lines += ["", f"Client at most {client:.2f} cores; other work at most {other:.2f} cores in one phase.", ""]
        for level, endpoints in rates["summary"].items():
            instant = endpoints.get("instant", {})
            for twin, key in (("plain", "p50_ratio_to_plain"), ("plain_unchecked", "p50_ratio_to_plain_unchecked")):
                if key in instant:
                    rounds = ", ".join(f"{r:.2f}" for r in instant[key.replace("ratio_to", "ratio_rounds_to")])
                    lines.append(
                        f"Instant approval over {twin} at {level} clients, p50: **{instant[key]:.2f}** "
                        f"(rounds {rounds})."
                    )
        for key, result in rates.get("paired", {}).items():
            level, twin = key.split("/")
            rounds = ", ".join(f"{r['ratio_p50']:.2f}" for r in result["rounds"])
            lines.append(
                f"Paired on each connection, {level} clients: {twin} p50 {result['twin_p50_ms']:.1f} ms, instant p50 "
                f"{result['instant_p50_ms']:.1f} ms, p99 {result['instant_p99_ms']:.1f} ms; ratio "
                f"**{result['ratio_p50_median']:.2f}** (rounds {rounds})."
            )
        lines.append("")
    comparison = pg.get("server_comparison")
    if isinstance(comparison, list):
        lines += [
            "| gunicorn | clients | insert req/s | insert p99 ms | food req/s | food p50 ms | food p99 ms "
            "| ratio | gunicorn CPU ms/food | PostgreSQL CPU ms/food | PG backends waiting for a lock |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in comparison:
            level = str(max(r["config"]["concurrency"]))
            ins, food = r["summary"][level]["insert"], r["summary"][level]["food"]
            lines.append(
                f"| {r['config']['server_label']} | {level} | {ins['rps_median']:.0f} | {ins['p99_ms']:.0f} "
                f"| {food['rps_median']:.1f} | {food['p50_ms']:.0f} | {food['p99_ms']:.0f} "
                f"| {food.get('ratio_to_insert', float('nan')):.3f} | {food['server_cpu_ms_per_req']:.1f} "
                f"| {food['db_cpu_ms_per_req']:.1f} | {food['pg_waiting_for_lock']:.1f} |"
            )
        lines.append("")
    prof = pg.get("profile")
    if isinstance(prof, dict):
        lines += [
            f"One 食品经营许可 submission in-process (n={prof['submissions']}): case_submit p50 "
            f"{prof['service_plain']['p50_ms']:.1f} ms, p99 {prof['service_plain']['p99_ms']:.1f} ms, "
            f"{prof['service_queries_per_submission']:.0f} queries; the whole API request p50 "
            f"{prof['api_request']['p50_ms']:.1f} ms ({prof['api_request']['cpu_ms_median']:.1f} ms CPU), "
            f"{prof['api_request']['queries']:.0f} queries. Case-number row "
            f"lock held p50 {prof['number_lock_held']['p50_ms']:.1f} ms; audit chain head lock held p50 "
            f"{prof['chain_head_lock_held']['p50_ms']:.1f} ms.",
            "",
            "| phase (inclusive) | ms per submission | queries |",
            "| --- | ---: | ---: |",
        ]
        for label, ph in prof["phases"].items():
            lines.append(f"| {label} | {ph['ms_per_op']:.1f} | {ph['queries_per_op']:.0f} |")
        lines += [
            "",
            "Share of the API request's profiled time: "
            + "; ".join(f"{k} {v:.0f} %" for k, v in prof["api_request_by_library_percent"].items()),
            "",
        ]
    tasks = pg.get("tasks")
    if isinstance(tasks, dict):
        lines += [
            "| one staff step (in-process) | n | p50 ms | p99 ms | queries |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for label in ("case_task_complete", "workflow.task_complete"):
            t = tasks[label]
            lines.append(f"| `{label}` | {t['n']} | {t['p50_ms']:.1f} | **{t['p99_ms']:.1f}** | {t['queries']:.0f} |")
        lines.append("")
    searches = [s for s in (pg.get("search"), sqlite_search) if isinstance(s, dict)]
    if searches:
        lines += [
            "| search | items | tokens | search+count+page p50 ms | p95 ms | /services/ page p50 ms | p95 ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in searches:
            lines.append(
                f"| {s['vendor']} | {s['published_items']} | {s['search_tokens']} | {s['selector']['p50_ms']:.1f} "
                f"| **{s['selector']['p95_ms']:.1f}** | {s['page']['p50_ms']:.1f} | {s['page']['p95_ms']:.1f} |"
            )
        lines.append("")
    return lines

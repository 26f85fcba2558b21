"""Benchmarks of the platform (not tests): `make bench`, or `.venv/bin/python bench/run.py --help`.

Two measurements, each reported side by side so that a noisy machine cancels out of the ratios:

1. Request rate. gunicorn serves the platform with ``bench.settings`` (the platform's settings plus a
   bare view at /bench/bare/) from a throwaway SQLite database loaded with the demo data. A client in
   this process (the server runs in its own processes) keeps N connections busy for a fixed time on
   /bench/bare/, /healthz and / (the portal home), in interleaved rounds (bare, healthz, home, bare, …),
   and reports requests/s, p50/p99 latency, CPU per request, and the ratios healthz/bare and home/bare
   (median over the rounds).
2. Case submissions on PostgreSQL (bench/cases.py): a throwaway database on 127.0.0.1:5432, gunicorn with
   persistent connections, POST /api/v1/cases (multipart with PDFs, JSON, partner channel) against a bare
   endpoint doing one INSERT, at 1, 10 and 50 clients; where a submission's time goes; one staff step
   (case_task_complete) p50/p99; catalogue search over 5,000 items on PostgreSQL and SQLite.
3. E-licences, in-process (bench/licences.py): SM2 signatures per core with the platform's crypto module
   against gmssl-pyx's own message calls, the pure-Python gmssl and Ed25519; licence issue end to end,
   PDF rendering and verify_text p50/p99, on a throwaway PostgreSQL database (SQLite when none answers).
4. The plan's indicators on PostgreSQL, in-process (bench/indicators.py): every computed indicator
   recomputed over a generated history (a million cases, 200,000 licences, 500,000 ratings) against one
   hand-written SQL statement giving the same numbers; the daily snapshot; the dashboard served from
   snapshots, p50/p95/p99.
5. `make run` on a fresh clone of the committed HEAD: seconds from start until GET / answers 200, with an
   empty pip cache and then with the cache the first run filled.

Everything is bounded in time, targets 127.0.0.1 only, and cleans up its processes, temporary directories
and databases on errors and Ctrl-C. Results: a JSON file in bench/results/ (git-ignored) and markdown tables.
`--only`/`--skip` choose the parts (rates, cases, profile, instant, tasks, search, licences,
hotline_classify, hotline, indicators, make-run).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
HOST = "127.0.0.1"  # the only address this benchmark ever sends traffic to
ENDPOINTS = {"bare": "/bench/bare/", "healthz": "/healthz", "home": "/"}
CLK_TCK = os.sysconf("SC_CLK_TCK")

_children: list[subprocess.Popen[bytes]] = []  # process groups to end whatever happens


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def spawn(cmd: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start cmd in its own process group (so that it and all its children can be ended together)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children.append(proc)
    return proc


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """End proc's process group: SIGTERM, then SIGKILL after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            # The leader is gone; make sure nothing of its group is left (e.g. runserver under make).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            break
        except subprocess.TimeoutExpired:
            continue
    if proc in _children:
        _children.remove(proc)


def stop_all() -> None:
    for proc in list(_children):
        stop(proc, grace=3.0)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def get_status(port: int, path: str, timeout: float = 2.0) -> int | None:
    """Status of GET path on 127.0.0.1:port, or None when nothing answers yet."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def clean_env(**extra: str) -> dict[str, str]:
    """This machine's environment without the project's venv, outer make or Django/platform settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DGOV_", "DJANGO_", "MAKE", "MFLAGS", "PYTHON"))
        and k not in {"VIRTUAL_ENV", "DATABASE_URL", "CACHE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PORT"}
    }
    venv_bin = str(BASE_DIR / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    env.update(extra)
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def processes() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/pid/stat after the command name) of every process."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            yield int(entry.name), stat[stat.rindex(")") + 2 :].split()


def children_of(pid: int) -> list[int]:
    return [child for child, fields in processes() if int(fields[1]) == pid]


def track_group_cpu(pgid: int, seen: dict[int, float]) -> float:
    """CPU seconds used so far by the processes of group pgid, including those seen earlier that ended."""
    for pid, fields in processes():
        if int(fields[2]) == pgid:
            seen[pid] = max(seen.get(pid, 0.0), (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return sum(seen.values())


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the load client -------------------------------------------------------------------------


@dataclass
class Phase:
    endpoint: str
    round: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_req: float
    client_cpu_ms_per_req: float
    connections_opened: int
    server_cores: float  # CPU used, in cores, by the server, the client and everything else on the machine
    client_cores: float
    other_cores: float
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    concurrency: int = 0
    error_statuses: dict[str, int] = field(default_factory=dict)
    error_sample: str = ""
    db_cpu_ms_per_req: float = float("nan")  # the database server's processes (PostgreSQL runs only)
    db_cores: float = 0.0


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


class Connection:
    """A minimal HTTP/1.1 client connection, kept alive while the server allows it.

    http.client parses every header block with the email package; on a 2-core machine that the client
    shares with the server, its CPU would be taken from the server and shrink every ratio towards 1. This
    one costs a fraction of that, which leaves more of the machine to the server being measured.

    By default it sends GET path; ``make_request`` instead returns the bytes of each request (a POST with
    its headers and body, e.g. with a new Idempotency-Key every time).
    """

    def __init__(self, port: int, path: str, make_request: Callable[[], bytes] | None = None) -> None:
        self.port = port
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Language: zh-hans\r\nUser-Agent: dgov-bench\r\n\r\n"
        ).encode("ascii")
        self.make_request = make_request
        self.sock: socket.socket | None = None
        self.opened = 0
        self.body_start = b""  # the first bytes of the last response body (to show what an error said)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def get(self) -> int:
        """Send the request and read the whole response; its status code."""
        if self.sock is None:
            self.sock = socket.create_connection((HOST, self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.opened += 1
        sock = self.sock
        sock.sendall(self.make_request() if self.make_request is not None else self.request)
        buf = b""
        while (head_end := buf.find(b"\r\n\r\n")) < 0:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before the response headers")
            buf += chunk
        head = buf[:head_end].decode("latin-1").lower()
        status = int(head[9:12])
        length = None
        chunked = False
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
        keep_alive = "connection: close" not in head and head.startswith("http/1.1")
        body = buf[head_end + 4 :]
        self.body_start = body[:300]
        if chunked:  # not parsed chunk by chunk: read until the last-chunk marker
            while not body.endswith(b"0\r\n\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed in the middle of a chunked body")
                body = body[-16:] + chunk
        elif length is None:  # no length: the body ends when the server closes
            while sock.recv(65536):
                pass
            keep_alive = False
        else:
            received = len(body)
            while received < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed in the middle of the body")
                received += len(chunk)
        if not keep_alive:  # gunicorn's sync workers close after every response
            self.close()
        return status


@dataclass
class Load:
    latencies_ms: list[float]  # of the requests answered with the expected status within the window
    errors: dict[str, int]  # other answers by status, and failures ("connection")
    opened: int  # connections opened
    error_sample: str  # the start of one error body


def run_clients(
    worker: Callable[[int], None], concurrency: int, seconds: float, start: threading.Barrier, deadline: list[float]
) -> None:
    """One thread per client connection i running worker(i): all wait on ``start`` (a barrier for
    concurrency + 1), which opens once deadline[0] is set to now + seconds; then wait for them all."""
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    start.wait()
    for t in threads:
        t.join(timeout=seconds + 40)


def load(
    port: int,
    path: str,
    seconds: float,
    concurrency: int,
    *,
    requests: list[Callable[[], bytes]] | None = None,
    expect: int = 200,
) -> Load:
    """`concurrency` threads, each with one HTTP/1.1 connection kept alive as long as the server allows,
    send GET path (or, with ``requests``, what requests[i] makes for connection i) back to back for
    `seconds`."""
    start = threading.Barrier(concurrency + 1)
    deadline = [0.0]
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[dict[str, int]] = [{} for _ in range(concurrency)]
    samples: list[str] = []
    connections = [
        Connection(port, path, requests[i % len(requests)] if requests else None) for i in range(concurrency)
    ]

    def worker(i: int) -> None:
        lat, err, conn = latencies[i], errors[i], connections[i]
        start.wait()
        end = deadline[0]
        now = time.perf_counter()
        while now < end:
            try:
                status = conn.get()
                done = time.perf_counter()
                if status != expect:
                    err[str(status)] = err.get(str(status), 0) + 1
                    if not samples:
                        samples.append(f"{status}: {conn.body_start.decode('utf-8', 'replace')}")
                elif done <= end:
                    lat.append((done - now) * 1000)
            except OSError as exc:
                err["connection"] = err.get("connection", 0) + 1
                if not samples:
                    samples.append(f"connection: {exc!r}")
                conn.close()
                done = time.perf_counter()
            now = done
        conn.close()

    run_clients(worker, concurrency, seconds, start, deadline)
    merged: dict[str, int] = {}
    for err in errors:
        for k, v in err.items():
            merged[k] = merged.get(k, 0) + v
    return Load(
        [x for lat in latencies for x in lat], merged, sum(c.opened for c in connections), samples[0] if samples else ""
    )


def busy_cpu_seconds() -> float:
    """CPU seconds spent busy by the whole machine so far (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


class CpuProbe:
    """Processes outside the server's process tree whose CPU counts too (e.g. the database's)."""

    def pids(self) -> list[int]:
        return []

    def sample(self) -> dict[int, float]:
        return {pid: cpu_seconds(pid) for pid in self.pids()}

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds between two samples: processes that started in between count from zero (those
        that ended in between are lost: rare, and short-lived)."""
        return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


def measure(
    port: int,
    server_pid: int,
    name: str,
    rnd: int,
    seconds: float,
    concurrency: int,
    *,
    path: str | None = None,
    requests: list[Callable[[], bytes]] | None = None,
    expect: int = 200,
    probe: CpuProbe | None = None,
) -> Phase:
    workers = children_of(server_pid)
    server_before = sum(cpu_seconds(p) for p in [server_pid, *workers])
    client_before = client_cpu_seconds()
    machine_before = busy_cpu_seconds()
    extra_before = probe.sample() if probe else {}
    t0 = time.perf_counter()
    result = load(port, path or ENDPOINTS[name], seconds, concurrency, requests=requests, expect=expect)
    wall = time.perf_counter() - t0
    server_cpu = sum(cpu_seconds(p) for p in [server_pid, *children_of(server_pid)]) - server_before
    client_cpu = client_cpu_seconds() - client_before
    extra_cpu = probe.used(extra_before, probe.sample()) if probe else 0.0
    other_cpu = busy_cpu_seconds() - machine_before - server_cpu - client_cpu - extra_cpu
    latencies = sorted(result.latencies_ms)
    n = len(latencies)
    return Phase(
        endpoint=name,
        round=rnd,
        seconds=seconds,
        requests=n,
        errors=sum(result.errors.values()),
        rps=n / seconds,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        server_cpu_ms_per_req=server_cpu * 1000 / n if n else float("nan"),
        client_cpu_ms_per_req=client_cpu * 1000 / n if n else float("nan"),
        connections_opened=result.opened,
        server_cores=server_cpu / wall,
        client_cores=client_cpu / wall,
        other_cores=max(0.0, other_cpu / wall),
        latencies_ms=latencies,
        concurrency=concurrency,
        error_statuses=result.errors,
        error_sample=result.error_sample,
        db_cpu_ms_per_req=extra_cpu * 1000 / n if n and probe else float("nan"),
        db_cores=extra_cpu / wall if probe else 0.0,
    )


# --- 1. request rates ------------------------------------------------------------------------


def bench_rates(args: argparse.Namespace) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="dgov-bench-var-"))
    server = None
    try:
        env = clean_env(
            DGOV_VAR_DIR=str(tmp),
            DJANGO_SETTINGS_MODULE="bench.settings",
            DEBUG="0",  # as in production: no query log, no debug pages
            LOG_LEVEL="WARNING",
            **({"DB_CONN_MAX_AGE": str(args.db_conn_max_age)} if args.db_conn_max_age is not None else {}),
        )
        t0 = time.perf_counter()
        for command in (["migrate", "--noinput"], ["load_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=BASE_DIR,
                env=env,
                check=True,
                timeout=180,
                stdout=subprocess.DEVNULL,
            )
        print(f"[rates] throwaway database migrated and loaded in {time.perf_counter() - t0:.1f} s ({tmp})")

        port = free_port()
        gunicorn_cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind={HOST}:{port}",
            f"--workers={args.workers}",
            "--worker-class=sync",
            "--timeout=30",
            "--graceful-timeout=5",
            "--log-level=warning",
        ]
        server = spawn(gunicorn_cmd, env=env, cwd=BASE_DIR, log=tmp / "gunicorn.log")
        deadline = time.monotonic() + 60
        while get_status(port, "/healthz") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not serve /healthz:\n" + tail(tmp / "gunicorn.log"))
            time.sleep(0.1)
        for path in ENDPOINTS.values():
            if (status := get_status(port, path)) != 200:
                raise RuntimeError(f"{path} answered {status}:\n" + tail(tmp / "gunicorn.log"))
        print(f"[rates] gunicorn on {HOST}:{port}: {args.workers} sync workers, pid {server.pid}")

        for name in ENDPOINTS:  # warm-up: imports, template cache, SQLite page cache in every worker
            measure(port, server.pid, name, 0, args.warmup, args.concurrency)
        phases: list[Phase] = []
        for rnd in range(1, args.rounds + 1):
            for name in ENDPOINTS:
                phase = measure(port, server.pid, name, rnd, args.duration, args.concurrency)
                phases.append(phase)
                print(
                    f"[rates] round {rnd} {name:8s} {phase.rps:8.1f} req/s  p50 {phase.p50_ms:6.2f} ms  "
                    f"p99 {phase.p99_ms:6.2f} ms  server CPU {phase.server_cpu_ms_per_req:5.2f} ms/req  "
                    f"cores server/client/other {phase.server_cores:.2f}/{phase.client_cores:.2f}/"
                    f"{phase.other_cores:.2f}  errors {phase.errors}"
                )
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during the run:\n" + tail(tmp / "gunicorn.log"))
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)

    summary: dict[str, dict[str, float]] = {}
    for name in ENDPOINTS:
        mine = [p for p in phases if p.endpoint == name]
        pooled = sorted(x for p in mine for x in p.latencies_ms)
        summary[name] = {
            "rps_median": statistics.median(p.rps for p in mine),
            "rps_min": min(p.rps for p in mine),
            "rps_max": max(p.rps for p in mine),
            "p50_ms": percentile(pooled, 0.50),
            "p99_ms": percentile(pooled, 0.99),
            "server_cpu_ms_per_req": statistics.median(p.server_cpu_ms_per_req for p in mine),
            "client_cpu_ms_per_req": statistics.median(p.client_cpu_ms_per_req for p in mine),
            "server_cores": statistics.median(p.server_cores for p in mine),
            "client_cores": statistics.median(p.client_cores for p in mine),
            "other_cores_max": max(p.other_cores for p in mine),
            "requests": sum(p.requests for p in mine),
            "errors": sum(p.errors for p in mine),
        }
    ratios: dict[str, float] = {}
    for name in ("healthz", "home"):
        per_round = [
            next(p.rps for p in phases if p.endpoint == name and p.round == r)
            / next(p.rps for p in phases if p.endpoint == "bare" and p.round == r)
            for r in range(1, args.rounds + 1)
        ]
        ratios[f"{name}/bare"] = statistics.median(per_round)
        ratios[f"{name}/bare_rounds"] = per_round  # type: ignore[assignment]
        cpu_per_round = [
            next(p.server_cpu_ms_per_req for p in phases if p.endpoint == name and p.round == r)
            / next(p.server_cpu_ms_per_req for p in phases if p.endpoint == "bare" and p.round == r)
            for r in range(1, args.rounds + 1)
        ]
        ratios[f"{name}/bare_server_cpu_per_req"] = statistics.median(cpu_per_round)
    busiest = max(p.other_cores for p in phases)
    if busiest > 0.25:
        print(
            f"[rates] warning: other work on this machine took up to {busiest:.2f} cores during a phase; "
            "the rates are disturbed (the ratios less so): run again on a quiet machine"
        )
    return {
        "config": {
            "server": " ".join(gunicorn_cmd[2:]).replace(f":{port}", ":<free port>"),
            "settings": "bench.settings, DEBUG=0, DGOV_MODE=embedded (SQLite, LocMemCache), demo data",
            "db_conn_max_age": args.db_conn_max_age if args.db_conn_max_age is not None else "default (0)",
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
        },
        "phases": [{k: v for k, v in asdict(p).items() if k != "latencies_ms"} for p in phases],
        "summary": summary,
        "ratios": ratios,
    }


# --- 2. make run on a fresh clone ------------------------------------------------------------


def head_commit(repo: Path) -> str:
    """The clone's HEAD commit, read from .git without running git ("unknown" outside a clone)."""
    git = repo / ".git"
    if not (git / "HEAD").is_file():
        return "unknown"
    head = (git / "HEAD").read_text().strip()
    if not head.startswith("ref: "):
        return head
    ref = head[5:]
    if (git / ref).exists():
        return (git / ref).read_text().strip()
    packed = git / "packed-refs"
    if packed.exists():
        for line in packed.read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    return "unknown"


def time_make_run(workdir: Path, label: str, pip_cache: Path, timeout: float) -> dict[str, object]:
    clone = workdir / f"clone-{label}"
    subprocess.run(["git", "clone", "--quiet", str(BASE_DIR), str(clone)], check=True, timeout=120)
    port = free_port()
    env = clean_env(PIP_CACHE_DIR=str(pip_cache))
    log = workdir / f"make-run-{label}.log"
    machine_before, client_before = busy_cpu_seconds(), client_cpu_seconds()
    group_seen: dict[int, float] = {}
    t0 = time.perf_counter()
    proc = spawn(["make", "run", f"PORT={port}"], env=env, cwd=clone, log=log)
    try:
        milestones: dict[str, float] = {}
        while True:
            group_cpu = track_group_cpu(proc.pid, group_seen)
            elapsed = time.perf_counter() - t0
            if "venv_ready" not in milestones and (clone / ".venv" / ".base").exists():
                milestones["venv_ready"] = elapsed
            if get_status(port, "/", timeout=5) == 200:
                seconds = time.perf_counter() - t0
                group_cpu = track_group_cpu(proc.pid, group_seen)
                other_cpu = busy_cpu_seconds() - machine_before - group_cpu - (client_cpu_seconds() - client_before)
                break
            if proc.poll() is not None:
                raise RuntimeError(f"make run exited with {proc.returncode}:\n" + tail(log))
            if elapsed > timeout:
                raise RuntimeError(f"make run served no page within {timeout:.0f} s:\n" + tail(log))
            time.sleep(0.1)
    finally:
        stop(proc)
    cached_files = sum(len(files) for _, _, files in os.walk(pip_cache))
    result: dict[str, object] = {
        "pip_cache": label,
        "pip_cache_files_after": cached_files,
        "seconds_to_first_page": seconds,
        "seconds_to_venv_ready": milestones.get("venv_ready"),
        "make_run_cpu_seconds": group_cpu,
        "other_cores": max(0.0, other_cpu / seconds),
        "commit": head_commit(clone),
    }
    print(
        f"[make run] {label} pip cache: first page after {seconds:.1f} s "
        f"(venv and requirements ready after {milestones.get('venv_ready', float('nan')):.1f} s; "
        f"pip cache now holds {cached_files} files; it used {group_cpu:.1f} CPU s, other work "
        f"{max(0.0, other_cpu / seconds):.2f} cores)"
    )
    shutil.rmtree(clone, ignore_errors=True)
    return result


def bench_make_run(args: argparse.Namespace) -> list[dict[str, object]]:
    workdir = Path(tempfile.mkdtemp(prefix="dgov-bench-clone-"))
    try:
        pip_cache = workdir / "pip-cache"  # starts empty: the first run fills it, the second uses it
        results = [time_make_run(workdir, "cold", pip_cache, args.make_run_timeout)]
        if not args.make_run_cold_only:
            if not results[0]["pip_cache_files_after"]:
                print("[make run] pip cached nothing (the index sent no caching headers): the second run is cold too")
            results.append(time_make_run(workdir, "warm", pip_cache, args.make_run_timeout))
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- report ----------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    versions = {}
    for module in ("django", "gunicorn", "psycopg"):
        with contextlib.suppress(Exception):
            versions[module] = __import__(module).__version__
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(host=HOST, port=5432, user="postgres", dbname="postgres", connect_timeout=2) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            versions["postgresql"] = row[0] if row else "?"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "mem_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        **versions,
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (other work on the machine shows here first)."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def markdown(result: dict[str, object]) -> str:
    lines = []
    rates = result.get("rates")
    if isinstance(rates, dict):
        lines += [
            "| endpoint | req/s (median of rounds) | min–max | p50 ms | p99 ms | req/s ratio to bare "
            "| server CPU ms/req | CPU ratio to bare |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, path in ENDPOINTS.items():
            s = rates["summary"][name]
            ratio = "1" if name == "bare" else f"{rates['ratios'][f'{name}/bare']:.2f}"
            cpu_ratio = "1" if name == "bare" else f"{rates['ratios'][f'{name}/bare_server_cpu_per_req']:.1f}"
            lines.append(
                f"| `{path}` | {s['rps_median']:.0f} | {s['rps_min']:.0f}–{s['rps_max']:.0f} | {s['p50_ms']:.1f} "
                f"| {s['p99_ms']:.1f} | {ratio} | {s['server_cpu_ms_per_req']:.2f} | {cpu_ratio} |"
            )
        other = max(p["other_cores"] for p in rates["phases"])
        lines += ["", f"Other work on the machine during the rounds: at most {other:.2f} cores in one phase.", ""]
    pg = result.get("postgres")
    if isinstance(pg, dict):
        from bench import cases

        lines += cases.markdown(pg, result.get("search_sqlite"))
    elif isinstance(result.get("search_sqlite"), dict):
        from bench import cases

        lines += cases.markdown({}, result.get("search_sqlite"))
    lic = result.get("licences")
    if isinstance(lic, dict):
        from bench import licences

        lines += licences.markdown(lic)
    classify = result.get("hotline_classify")
    if isinstance(classify, dict):
        from bench import hotline_classify

        lines += hotline_classify.markdown(classify)
    hotline_result = result.get("hotline")
    if isinstance(hotline_result, dict) and "replay" in hotline_result:
        from bench import hotline

        lines += hotline.markdown(hotline_result)
    indicators_result = result.get("indicators")
    if isinstance(indicators_result, dict) and "recompute" in indicators_result:
        from bench import indicators

        lines += ["", *indicators.markdown(indicators_result), ""]
    runs = result.get("make_run")
    if isinstance(runs, list) and runs:
        lines += [
            "| `make run` on a fresh clone | seconds to first page | of which venv + pip install "
            "| CPU seconds used | other work on the machine (cores) |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for r in runs:
            lines.append(
                f"| {r['pip_cache']} pip cache ({r['pip_cache_files_after']} files cached after) "
                f"| {r['seconds_to_first_page']:.1f} | {r['seconds_to_venv_ready']:.1f} "
                f"| {r['make_run_cpu_seconds']:.1f} | {r['other_cores']:.2f} |"
            )
    return "\n".join(lines)


PARTS = (
    "rates",
    "cases",
    "profile",
    "instant",
    "tasks",
    "search",
    "licences",
    "hotline_classify",
    "hotline",
    "indicators",
    "make-run",
)


def part_list(text: str) -> set[str]:
    parts = {p.strip() for p in text.split(",") if p.strip()}
    if not parts or parts - set(PARTS):
        raise argparse.ArgumentTypeError(f"choose among {', '.join(PARTS)}")
    return parts


def main(argv: list[str] | None = None) -> int:
    from bench import cases, hotline, hotline_classify, indicators, licences

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Parts, run in this order: rates (SQLite, gunicorn: /healthz and / against a bare view), "
            "cases (PostgreSQL, gunicorn: case submissions against one INSERT), profile (where a "
            "submission's time goes), instant (an instant approval against its plain twin in-process: "
            "CPU, queries, phases), tasks (one staff step), search (5,000 items on PostgreSQL and "
            "SQLite), licences (SM2 signatures per core, licence issue, PDF and verify in-process), "
            "hotline_classify (the ticket classifier against jieba alone, in-process), hotline (65,000 tickets "
            "replayed through create + dispatch, and the overdue sweep over a million open tickets against a "
            "plain indexed count, PostgreSQL), indicators (every computed indicator over a million cases against one "
            "hand-written SQL statement, the snapshot, the dashboard from snapshots, PostgreSQL), make-run (make run "
            "on a fresh clone). All by default; "
            "--only/--skip choose."
        ),
    )
    parser.add_argument("--only", type=part_list, help="run only these parts (comma-separated)")
    parser.add_argument("--skip", type=part_list, default=set(), help="skip these parts (comma-separated)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per endpoint and round (10)")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds of warm-up per endpoint before the rounds (2)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds bare, healthz, home (3)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent client connections (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2: one per core)")
    parser.add_argument(
        "--db-conn-max-age",
        type=int,
        help="serve with DB_CONN_MAX_AGE=N (default: the platform's default, 0: a new connection per request)",
    )
    parser.add_argument("--skip-make-run", action="store_true", help="same as --skip make-run")
    parser.add_argument("--make-run-only", action="store_true", help="same as --only make-run")
    parser.add_argument(
        "--make-run-cold-only", action="store_true", help="time `make run` with an empty pip cache only"
    )
    parser.add_argument(
        "--make-run-timeout", type=float, default=240.0, help="give up on one `make run` after this (240 s)"
    )
    cases.add_arguments(parser)
    licences.add_arguments(parser)
    hotline_classify.add_arguments(parser)
    hotline.add_arguments(parser)
    indicators.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.rounds < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error("durations, rounds, concurrency and workers must be positive")
    if args.cases_duration <= 0 or args.cases_warmup < 0 or args.cases_rounds < 1:
        parser.error("the cases part's durations and rounds must be positive")
    if min(args.crypto_rounds, args.issues, args.pdfs, args.verifies) < 1 or args.crypto_seconds <= 0:
        parser.error("the licences part's rounds, seconds and counts must be positive")
    if min(args.indicators_rounds, args.indicators_requests, args.indicators_history_days, args.indicators_cases) < 1:
        parser.error("the indicators part's rounds, requests, history days and cases must be positive")
    if args.cases_users < max(args.cases_concurrency):
        parser.error("--cases-users must be at least the highest --cases-concurrency")
    parts = set(args.only or PARTS)
    if args.make_run_only:
        parts = {"make-run"}
    parts -= args.skip | ({"make-run"} if args.skip_make_run else set())

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    started = datetime.now(UTC).astimezone()
    result: dict[str, object] = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "commit": head_commit(BASE_DIR),
        "load_before": load_average(),
        "parts": [p for p in PARTS if p in parts],
    }
    segment_cache = Path(tempfile.gettempdir()) / f"dgov-bench-segments-{os.getpid()}.json"
    try:
        if "rates" in parts:
            result["rates"] = bench_rates(args)
        pg_parts = parts & {"cases", "profile", "instant", "tasks", "search"}
        args.segment_cache = segment_cache
        if pg_parts:
            result["postgres"] = cases.bench_postgres(args, pg_parts)
        if "search" in parts:
            result["search_sqlite"] = cases.bench_search_sqlite(args)
        if "licences" in parts:
            result["licences"] = licences.bench_licences(args)
        if "hotline_classify" in parts:
            result["hotline_classify"] = hotline_classify.bench_hotline_classify(args)
        if "hotline" in parts:
            result["hotline"] = hotline.bench_hotline(args)
        if "indicators" in parts:
            result["indicators"] = indicators.bench_indicators(args)
        if "make-run" in parts:
            result["make_run"] = bench_make_run(args)
    except KeyboardInterrupt:
        print("\ninterrupted: processes stopped, temporary directories and databases removed", file=sys.stderr)
        return 130
    finally:
        stop_all()
        segment_cache.unlink(missing_ok=True)
    result["total_seconds"] = round((datetime.now(UTC).astimezone() - started).total_seconds(), 1)
    result["load_after"] = load_average()

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"bench-{started.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    m = result["machine"]
    print(f"\n{result['date']} · {m['nproc']} × {m['cpu']} · {m['mem_gib']} GiB · Python {m['python']}")  # type: ignore[index]
    print(markdown(result))
    print(f"\nresults: {out.relative_to(BASE_DIR)} ({result['total_seconds']} s)")
    return 0


if __name__ == "__main__":
    # Run as bench.run, the module bench.cases imports, so that both share one list of child processes.
    sys.path.insert(0, str(BASE_DIR))
    from bench import run as _module

    sys.exit(_module.main())

"""12345 hotline at a large city's volume (bench/run.py --only hotline; part of `make bench`).

A throwaway PostgreSQL database ``dgov_bench_<random>`` (bench/cases.py makes and drops it) is loaded
like ``make run`` (migrate, calendar, accounts, the hotline's categories, demo answers and a classifier
trained on the shipped corpus). Then, in one process with the platform's settings
(``python -m bench.hotline measure``), without HTTP:

1. **Replay.** ``--replay`` tickets (default 65,000, a large city's daily volume) through create +
   dispatch, as a partner system files them: ``ticket_register`` (checks, number, place, classifier,
   duplicate look-up, audit) and, unless the classifier was sure enough to dispatch automatically,
   ``ticket_dispatch`` by the operator to the suggested category and department (clocks, assignment,
   timeline, audit, notices to the department's handlers). The texts are the shipped corpus's,
   cycled, with the place varied over the district's communities. Reported: the wall time of the
   whole replay, tickets per second, p50/p99 per ticket, queries per ticket, and how many were
   dispatched automatically.
2. **Overdue sweep over a million open tickets.** ``--open`` (default 1,000,000) open tickets are
   inserted with one INSERT … SELECT generate_series, their reply deadlines spread over the last and
   the next 60 days so that about ``--late-share`` of them are late. Side by side, in interleaved
   rounds: the plain indexed count of late rows (``SELECT count(*) … WHERE status IN (…) AND due_at <
   now``), the sweep's first run (escalates every late ticket: rows, timeline lines, one notice per
   department), and its steady state (the same sweep again, nothing new to escalate: what every
   15-minute run costs). Ratios to the count.

Nothing here asserts a time. Results go into the JSON of bench/run.py and docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def bench_hotline(args: argparse.Namespace) -> dict[str, Any]:
    """Load a throwaway PostgreSQL database and measure in-process (PostgreSQL only)."""
    from bench import cases

    why = cases.pg_reachable()
    if why is not None:
        print(f"[hotline] PostgreSQL not reachable at {cases.PG_HOST}:{cases.PG_PORT} ({why}): skipped")
        return {"postgres_skipped": why}
    tmp = Path(tempfile.mkdtemp(prefix="dgov-bench-hotline-"))
    try:
        with cases.throwaway_database() as url:
            env = cases.bench_env(tmp / "var", url)
            t0 = time.perf_counter()
            cases.manage(env, "migrate", "--noinput")
            for step in ("seed_calendar", "load_processes", "load_demo", "load_demo_hotline"):
                cases.manage(env, step, timeout=900)
            print(f"[hotline] database loaded in {time.perf_counter() - t0:.1f} s")
            options = [
                f"--replay={args.hotline_replay}",
                f"--open={args.hotline_open}",
                f"--rounds={args.hotline_rounds}",
            ]
            result = cases.inproc(env, tmp, "measure", *options, module="bench.hotline", timeout=4 * 3600)
            print_result(result)
            return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hotline (in-process, PostgreSQL at 127.0.0.1:5432)")
    group.add_argument("--hotline-replay", type=int, default=65_000, help="tickets replayed (65000)")
    group.add_argument("--hotline-open", type=int, default=1_000_000, help="open tickets for the sweep (1000000)")
    group.add_argument("--hotline-rounds", type=int, default=3, help="interleaved rounds of count and sweep (3)")


# --- the in-process measurement -----------------------------------------------------------------


def _replay(n: int) -> dict[str, Any]:
    from django.db import connection

    from bench.inproc import summary
    from dgov.accounts.models import ApiToken, Region, User
    from dgov.accounts.services import api_token_create
    from dgov.hotline import classifier, services
    from dgov.hotline.models import Category, Ticket

    operator = User.objects.get(username="operator")
    admin = User.objects.get(username="admin")
    token_row, _plaintext = api_token_create(actor=admin, name="bench partner", scopes=[ApiToken.Scope.PARTNER])
    texts = [s.text for s in classifier.corpus_load()]
    places = list(Region.objects.filter(level=Region.Level.COMMUNITY).values_list("name", "parent__name"))
    leaves = {c.code: c for c in Category.objects.filter(level=3).select_related("department")}
    ms: list[float] = []
    auto = 0
    queries = [0]

    def count_query(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    t_start = time.perf_counter()
    with connection.execute_wrapper(count_query):
        for i in range(n):
            community, subdistrict = places[i % len(places)]
            data = services.TicketInput(
                type="help",
                description=texts[i % len(texts)],
                address=f"{subdistrict}{community}{i % 97 + 1}号",
                caller_phone=f"139{i:08d}"[:11],
            )
            t0 = time.perf_counter()
            ticket = services.ticket_register(
                actor=token_row.name, channel=Ticket.Channel.PARTNER, data=data, via_token=token_row
            )
            if ticket.status == Ticket.Status.REGISTERED:
                suggested = ticket.suggested_category
                category = leaves.get(suggested.code) if suggested is not None else None
                if category is not None and ticket.suggested_department is not None:
                    services.ticket_dispatch(
                        actor=operator, ticket=ticket, category=category, department=ticket.suggested_department
                    )
            else:
                auto += 1
            ms.append((time.perf_counter() - t0) * 1000)
            if i % 1000 == 999:
                print(f"[hotline] replayed {i + 1} in {time.perf_counter() - t_start:.0f} s", flush=True)
    wall = time.perf_counter() - t_start
    dispatched = Ticket.objects.filter(status=Ticket.Status.DISPATCHED).count()
    return {
        "tickets": n,
        "wall_s": round(wall, 1),
        "tickets_per_s": round(n / wall, 1),
        "per_ticket": summary(ms),
        "queries_per_ticket": round(queries[0] / n, 1),
        "dispatched_automatically": auto,
        "dispatched_total": dispatched,
    }


def _fill_open(n: int, late_share: float) -> dict[str, Any]:
    """n open tickets in one statement; reply deadlines evenly over 120 days around now, the first
    late_share of them in the past; sign-for due 4 days before the reply."""
    from django.db import connection

    from dgov.accounts.models import Department
    from dgov.hotline.models import Category

    departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    category = Category.objects.filter(level=3).order_by("code").values_list("pk", flat=True).first()
    span_days = 120.0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO hotline_ticket (
                number, lookup_code, channel, type, urgency, title, description, anonymous, caller_name,
                caller_phone, caller_phone_digest, confidential, publish_consent, address, category_id,
                classifier_version, auto_dispatched, status, resolution, department_id, sign_due_at, due_at,
                reply, reopened, topic_tokens, external_id, open311_token, created_at, updated_at, dispatched_at,
                sign_rung, reply_rung
            )
            SELECT
                'BN' || lpad(g::text, 26, '0'), '', 'partner', 'help', 'normal', 'bench', 'bench', false, '',
                '', '', false, false, '', %(category)s, '', false,
                CASE WHEN g %% 3 = 0 THEN 'dispatched' ELSE 'handling' END, '',
                (%(departments)s::int[])[1 + g %% %(ndept)s],
                now() + interval '1 day' * ((g::float / %(n)s - %(late)s) * %(span)s) - interval '4 days',
                now() + interval '1 day' * ((g::float / %(n)s - %(late)s) * %(span)s),
                '', 0, '', '', '', now() - interval '130 days', now(), now() - interval '130 days', 0, 0
            FROM generate_series(1, %(n)s) AS g
            """,
            {
                "category": category,
                "departments": departments,
                "ndept": len(departments),
                "n": n,
                "late": late_share,
                "span": span_days,
            },
        )
        cursor.execute("ANALYZE hotline_ticket")
    return {"open_tickets": n, "fill_s": round(time.perf_counter() - t0, 1)}


def _sweep(rounds: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from dgov.hotline.models import Ticket, TicketEscalation, TicketEvent
    from dgov.hotline.services import tickets_escalate_overdue

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM hotline_ticket WHERE status IN ('dispatched', 'handling') AND due_at < %s",
                [timezone.now()],
            )
            return int(cursor.fetchone()[0])

    late = count()
    open_total = Ticket.objects.filter(status__in=Ticket.WITH_DEPARTMENT).count()
    # First run: every late ticket gets its rungs (once; not repeatable without deleting them).
    t0 = time.perf_counter()
    first = tickets_escalate_overdue()
    first_s = time.perf_counter() - t0
    counts_ms: list[float] = []
    steady_ms: list[float] = []
    # Deadlines keep passing while the rounds run (about one ticket a second here), so a steady
    # run escalates the few that became late since the previous one: counted, not forbidden.
    steady_escalated = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        count()
        counts_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        again = tickets_escalate_overdue()
        steady_ms.append((time.perf_counter() - t0) * 1000)
        steady_escalated += sum(again.counts.values())
    count_ms = statistics.median(counts_ms)
    return {
        "open": open_total,
        "late": late,
        "count_ms": [round(x, 1) for x in counts_ms],
        "first_run_s": round(first_s, 2),
        "first_run_escalations": dict(first.counts),
        "first_run_notices": first.notices,
        "escalation_rows": TicketEscalation.objects.count(),
        "timeline_rows": TicketEvent.objects.filter(kind__in=("reminded", "supervised", "reported")).count(),
        "steady_ms": [round(x, 1) for x in steady_ms],
        "steady_escalated": steady_escalated,
        "first_run_vs_count": round(first_s * 1000 / count_ms, 1),
        "steady_vs_count": round(statistics.median(steady_ms) / count_ms, 2),
    }


def cmd_measure(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    result: dict[str, Any] = {"database": settings.DATABASES["default"]["ENGINE"]}
    if args.replay:
        result["replay"] = _replay(args.replay)
        print(f"[hotline] replay: {result['replay']}", flush=True)
    if args.open:
        result["fill"] = _fill_open(args.open, args.late_share)
        result["sweep"] = _sweep(args.rounds)
    return result


def print_result(r: dict[str, Any]) -> None:
    for line in markdown(r):
        print(line)


def markdown(r: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if "replay" in r:
        p = r["replay"]
        lines += [
            "| tickets | wall s | tickets/s | p50 ms | p99 ms | queries/ticket | auto-dispatched |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {p['tickets']} | {p['wall_s']} | {p['tickets_per_s']} | {p['per_ticket']['p50_ms']} | "
            f"{p['per_ticket']['p99_ms']} | {p['queries_per_ticket']} | {p['dispatched_automatically']} |",
            "",
        ]
    if "sweep" in r:
        s = r["sweep"]
        lines += [
            "| open | late | count ms | first sweep s | steady sweep ms | first/count | steady/count |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {s['open']} | {s['late']} | {statistics.median(s['count_ms']):.1f} | {s['first_run_s']} | "
            f"{statistics.median(s['steady_ms']):.1f} | {s['first_run_vs_count']} | {s['steady_vs_count']} |",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["measure"])
    parser.add_argument("--out", type=Path, required=True, help="write the JSON result here")
    parser.add_argument("--replay", type=int, default=65_000)
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--late-share", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    result = cmd_measure(args)
    from bench.inproc import write_result

    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

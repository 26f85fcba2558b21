"""The ticket classifier's throughput against jieba alone (bench/run.py --only hotline_classify).

A throwaway SQLite database in a temporary directory is migrated and given the district's regions and
departments (``load_demo``) and the ticket categories. Then, in
one process with the platform's settings (``python -m bench.hotline_classify measure``):

1. the classifier is trained in memory on the shipped corpus (dgov.hotline.classifier.train: split,
   fit, measure, refit; the wall time is reported) and stored with ``model_save``;
2. every corpus text is warmed through each operation, then, in ``--classify-rounds`` interleaved
   rounds, every text goes through, one call per text:
   - ``words()``: jieba segmentation alone (dgov.core.segmentation), the floor of any jieba model;
   - the fitted pipeline's ``predict_proba([text])`` called directly (features + calibrated SVM);
   - ``suggest(text)``: what the operator's page and ticket registration call (one small query for
     the newest active model, the cached pipeline, the top 3);
   - classification + dispatch: ``suggest(text)`` and then ``department_for(category, place)`` for
     the top category and a community of the district (cycled): the dispatch catalogue's rules,
     the subdistrict office for categories the subdistrict handles, else the category's department;
   and, once per round, the pipeline on all texts in one call (the batch rate, for comparison).
   Reported per operation: texts per wall second and per CPU second (median of the rounds), p50/p99
   of the per-text latency (pooled), and the ratios of jieba's rate to the others' per round.

Nothing here asserts a time. Results go into the JSON of bench/run.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OPERATIONS = {
    # key: label in the report
    "jieba": "jieba `words()` alone",
    "pipeline": "pipeline `predict_proba([text])`",
    "suggest": "`classifier.suggest(text)`",
    "dispatch": "`suggest` + `department_for` (classification + dispatch)",
}


# --- orchestration (bench/run.py) ---------------------------------------------------------------


def bench_hotline_classify(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate a throwaway SQLite database and measure in-process."""
    from bench import cases

    tmp = Path(tempfile.mkdtemp(prefix="dgov-bench-classify-"))
    try:
        env = cases.bench_env(tmp / "var")
        t0 = time.perf_counter()
        cases.manage(env, "migrate", "--noinput")
        cases.manage(env, "load_demo")
        print(f"[hotline_classify] throwaway SQLite database migrated and loaded in {time.perf_counter() - t0:.1f} s")
        options = [f"--rounds={args.classify_rounds}", f"--texts={args.classify_texts}"]
        result = cases.inproc(env, tmp, "measure", *options, module="bench.hotline_classify", timeout=1800)
        print_result(result)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hotline_classify (in-process, throwaway SQLite)")
    group.add_argument("--classify-rounds", type=int, default=3, help="interleaved rounds over the texts (3)")
    group.add_argument("--classify-texts", type=int, default=0, help="texts per round (0: the whole corpus)")


# --- the in-process measurement -----------------------------------------------------------------


def _round(texts: list[str], op: Callable[[str], object]) -> tuple[dict[str, float], list[float]]:
    """op on every text once: texts per wall and per CPU second, and each call's milliseconds."""
    ms = []
    c0, t0 = time.process_time(), time.perf_counter()
    for text in texts:
        start = time.perf_counter()
        op(text)
        ms.append((time.perf_counter() - start) * 1000)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"per_s": len(texts) / wall, "per_cpu_s": len(texts) / cpu if cpu > 0 else float("nan")}, ms


def cmd_measure(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.inproc import summary
    from dgov.accounts.models import Region
    from dgov.core.segmentation import tokenizer, words
    from dgov.hotline import classifier
    from dgov.hotline.demo import load_categories
    from dgov.hotline.dispatch import department_for
    from dgov.hotline.models import Category

    load_categories()
    leaves = {c.code: c for c in Category.objects.filter(level=3).select_related("department")}
    places = list(Region.objects.filter(level=Region.Level.COMMUNITY).select_related("parent__parent"))
    turn = [0]

    def dispatch(text: str) -> object:
        found = classifier.suggest(text)
        if found is None or not found.ranked:
            return None
        turn[0] += 1
        return department_for(leaves[found.ranked[0][0]], places[turn[0] % len(places)])

    samples = classifier.corpus_load()
    texts = [s.text for s in samples][: args.texts or None]
    tokenizer()  # the dictionary loads once per process: not part of any figure
    c0, t0 = time.process_time(), time.perf_counter()
    trained = classifier.train(samples)
    train_s, train_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    model = classifier.model_save(trained, actor=None, source="corpus")
    pipeline = trained.pipeline

    ops: dict[str, Callable[[str], object]] = {
        "jieba": words,
        "pipeline": lambda text: pipeline.predict_proba([text]),
        "suggest": classifier.suggest,
        "dispatch": dispatch,
    }
    for op in ops.values():  # warm-up: imports, caches, the model loaded from the database
        for text in texts:
            op(text)
    with CaptureQueriesContext(connection) as queries:
        for text in texts[:100]:
            classifier.suggest(text)
    queries_per_suggest = len(queries) / min(100, len(texts))

    rates: dict[str, list[dict[str, float]]] = {name: [] for name in ops}
    latencies: dict[str, list[float]] = {name: [] for name in ops}
    batch: list[float] = []
    for _ in range(args.rounds):
        for name, op in ops.items():
            rate, ms = _round(texts, op)
            rates[name].append(rate)
            latencies[name].extend(ms)
        t1 = time.perf_counter()
        pipeline.predict_proba(texts)
        batch.append(len(texts) / (time.perf_counter() - t1))

    operations: dict[str, Any] = {}
    for name, label in OPERATIONS.items():
        per_round = rates[name]
        operations[name] = {
            "label": label,
            "per_s_median": statistics.median(r["per_s"] for r in per_round),
            "per_s_rounds": [round(r["per_s"], 1) for r in per_round],
            "per_cpu_s_median": statistics.median(r["per_cpu_s"] for r in per_round),
            **summary(latencies[name]),
        }
    ratios = {
        f"jieba/{name}": statistics.median(
            j["per_s"] / r["per_s"] for j, r in zip(rates["jieba"], rates[name], strict=True)
        )
        for name in ("pipeline", "suggest", "dispatch")
    }
    ratios["jieba/suggest_cpu"] = statistics.median(
        j["per_cpu_s"] / r["per_cpu_s"] for j, r in zip(rates["jieba"], rates["suggest"], strict=True)
    )
    return {
        "texts": len(texts),
        "mean_chars": round(statistics.fmean(len(t) for t in texts), 1),
        "rounds": args.rounds,
        "database": connection.vendor,
        "train_s": round(train_s, 2),
        "train_cpu_s": round(train_cpu_s, 2),
        "model": {
            "version": model.version,
            "blob_bytes": len(model.blob),
            "accuracy": trained.metrics["accuracy"],
            "macro_f1": trained.metrics["macro_f1"],
            "n_samples": trained.metrics["n_samples"],
        },
        "queries_per_suggest": queries_per_suggest,
        "operations": operations,
        "batch_pipeline_per_s_median": statistics.median(batch),
        "ratios": ratios,
    }


# --- report -------------------------------------------------------------------------------------


def print_result(r: dict[str, Any]) -> None:
    ops = r["operations"]
    print(
        f"[hotline_classify] {r['texts']} texts × {r['rounds']} rounds: jieba {ops['jieba']['per_s_median']:.0f}/s, "
        f"pipeline {ops['pipeline']['per_s_median']:.0f}/s, suggest {ops['suggest']['per_s_median']:.0f}/s "
        f"(p99 {ops['suggest']['p99_ms']:.2f} ms); jieba/suggest {r['ratios']['jieba/suggest']:.1f}×; "
        f"trained in {r['train_s']:.1f} s, held-out accuracy {r['model']['accuracy']:.3f}"
    )


def markdown(r: dict[str, Any]) -> list[str]:
    m = r["model"]
    lines = [
        f"Ticket classifier on {r['texts']} corpus texts (mean {r['mean_chars']} characters), one call per text, "
        f"{r['rounds']} interleaved rounds; {r['database']}, {r['queries_per_suggest']:.0f} query per `suggest`. "
        f"Trained in {r['train_s']:.1f} s ({r['train_cpu_s']:.1f} CPU s) on {m['n_samples']} texts: held-out "
        f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f}; model {m['blob_bytes'] / 1e6:.1f} MB.",
        "",
        "| operation | texts/s (median) | texts per CPU-second | p50 ms | p99 ms | jieba's rate ÷ this |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, op in r["operations"].items():
        ratio = "1" if name == "jieba" else f"{r['ratios'][f'jieba/{name}']:.1f}"
        lines.append(
            f"| {op['label']} | {op['per_s_median']:.0f} | {op['per_cpu_s_median']:.0f} | {op['p50_ms']:.3f} "
            f"| {op['p99_ms']:.3f} | {ratio} |"
        )
    lines += [
        f"| pipeline on all texts in one call | {r['batch_pipeline_per_s_median']:.0f} | | | | |",
        "",
    ]
    return lines


# --- main (the in-process half) -----------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["measure"])
    parser.add_argument("--out", type=Path, required=True, help="write the JSON result here")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--texts", type=int, default=0)
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.texts < 0:
        parser.error("--rounds must be positive and --texts 0 or more")
    result = cmd_measure(args)
    from bench.inproc import write_result

    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

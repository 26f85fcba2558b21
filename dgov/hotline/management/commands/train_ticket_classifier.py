"""Train the ticket classifier on the shipped corpus and the handled tickets, print the held-out
figures per category, and store the model (dgov.hotline.classifier)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dgov.core.errors import ApplicationError
from dgov.hotline import classifier


class Command(BaseCommand):
    help = (
        "Train the 12345 ticket classifier on the shipped corpus plus closed tickets, print the held-out "
        "accuracy, macro F1 and a per-category table, and store it as the active model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, help="a JSON-lines corpus instead of the shipped one")
        parser.add_argument("--no-tickets", action="store_true", help="train on the corpus only")
        parser.add_argument(
            "--min-tickets",
            type=int,
            default=0,
            metavar="N",
            help="use the closed tickets only when there are at least N of them (default 0: any)",
        )
        parser.add_argument("--report-only", action="store_true", help="train and print; store nothing")
        parser.add_argument("--test-size", type=float, default=0.2, help="share of texts held out (0.2)")
        parser.add_argument("--seed", type=int, default=classifier.SEED, help="split and model seed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["min_tickets"] < 0:
            raise CommandError("--min-tickets must be 0 or more.")
        try:
            samples = classifier.corpus_load(options["corpus"])
            n_corpus = len(samples)
            tickets = [] if options["no_tickets"] else classifier.samples_from_tickets()
            if tickets and len(tickets) < options["min_tickets"]:
                self.stdout.write(
                    f"Only {len(tickets)} closed tickets (fewer than --min-tickets {options['min_tickets']}): not used."
                )
                tickets = []
            samples += tickets
            self.stdout.write(f"Training on {n_corpus} corpus texts and {len(tickets)} closed tickets …")
            result = classifier.train(samples, test_size=options["test_size"], seed=options["seed"])
        except ApplicationError as exc:
            raise CommandError(exc.message)
        self._report(result)
        if options["report_only"]:
            self.stdout.write("Report only: nothing stored.")
            return
        model = classifier.model_save(result, actor=None, source="corpus+tickets" if tickets else "corpus")
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored classifier {model.version} ({len(model.blob) / 1e6:.1f} MB); older models are inactive."
            )
        )

    def _report(self, result: classifier.TrainResult) -> None:
        m = result.metrics
        names = {row["code"]: row["name"] for row in classifier.categories_data()}
        self.stdout.write(
            f"Held out {result.n_test} of {m['n_samples']} texts ({m['test_size']:.0%}): "
            f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} (trained in {m['train_seconds']:.1f} s)"
        )
        if m["skipped_categories"]:
            self.stdout.write(
                f"Left out (fewer than {classifier.MIN_SAMPLES} texts): {', '.join(m['skipped_categories'])}"
            )
        # The Chinese name comes last: its width would break the columns.
        self.stdout.write(f"{'code':<8}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}  name")
        for code, row in m["per_category"].items():
            self.stdout.write(
                f"{code:<8}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>9}  "
                f"{names.get(code, '?')}"
            )

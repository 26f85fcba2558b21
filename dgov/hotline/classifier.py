"""Suggests a ticket's leaf category from its text, for the operator and for automatic dispatch.

Features are the jieba words of the text (dgov.core.segmentation) plus its single characters and
character bigrams: callers write short, colloquial, sometimes Cantonese-flavoured or mistyped text,
where whole words are few and a character like 狗, 电 or 燃 still says a lot. TF-IDF (sublinear tf,
terms seen at least twice) feeds a linear SVM whose scores are calibrated to probabilities by
temperature scaling (one softmax temperature fitted on 3 folds, one final estimator).

Measured on the shipped corpus (1,718 texts, 40 leaves, 20 % held out, mean of 10 stratified
splits): this model 0.851 accuracy (0.814-0.875), macro F1 0.851, log loss 0.58; the same SVM with
per-class sigmoid calibration 0.847, log loss 0.59, and five times slower per text (forty
calibrators, each validating its input); SGDClassifier(log_loss) 0.846 (0.799-0.878), log loss
0.65; LogisticRegression 0.843, log loss 0.72-0.93 and ten times slower to fit. Without the single
characters every model lost about 0.04. Training takes about 2 CPU seconds. One ``suggest`` costs
about 1.5 ms (one small query, the cached pipeline), against 0.1 ms for jieba alone on the same text
(bench/hotline_classify.py).

The fitted pipeline is kept in ClassifierModel as a pickle with its HMAC-SM3 digest. Loading a
pickle runs code, so a blob whose digest does not match is never unpickled.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import pickle
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov import audit
from dgov.accounts.models import User
from dgov.core.crypto import hmac_sm3_hex, purpose_key
from dgov.core.errors import ApplicationError
from dgov.core.segmentation import words
from dgov.hotline.models import ClassifierModel, Ticket

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_PATH = DATA_DIR / "categories.json"
CORPUS_PATH = DATA_DIR / "corpus.jsonl"
HMAC_PURPOSE = "hotline-classifier"
SEED = 12345
# A stratified split and the 3-fold calibration need a few texts of every category; categories
# with fewer are left out of training (and listed in the metrics).
MIN_SAMPLES = 5
_RUN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled text: a leaf category code and the ticket type (consult, complaint …)."""

    text: str
    category: str
    type: str = ""


@dataclass(frozen=True, slots=True)
class TrainResult:
    """A pipeline fitted on all samples, with the metrics measured on the held-out split."""

    pipeline: Any
    metrics: dict[str, Any]
    n_train: int
    n_test: int
    classes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Leaf codes with their probabilities, best first, and the model version that ranked them."""

    version: str
    ranked: list[tuple[str, float]]


# --- categories and corpus ---------------------------------------------------------------------


@functools.cache
def _categories() -> tuple[dict[str, Any], ...]:
    rows = json.loads(CATEGORIES_PATH.read_text(encoding="utf-8"))["categories"]
    return tuple(rows)


def categories_data() -> list[dict[str, Any]]:
    """The shipped category tree (data/categories.json), parents before children."""
    return [dict(row) for row in _categories()]


@functools.cache
def _leaf_codes() -> frozenset[str]:
    return frozenset(row["code"] for row in _categories() if not row["code"].endswith("00"))


def _corpus_error(message: str, *, path: Path, line: int, code: str) -> ApplicationError:
    return ApplicationError(
        _("%(file)s, line %(line)d: %(message)s") % {"file": path.name, "line": line, "message": message}, code=code
    )


def corpus_load(path: Path | None = None) -> list[Sample]:
    """The labelled corpus (JSON lines of text, category, type); ApplicationError names a bad line."""
    path = path or CORPUS_PATH
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ApplicationError(
            _("The corpus %(file)s cannot be read: %(error)s") % {"file": path, "error": exc}, code="corpus_unreadable"
        )
    leaves = _leaf_codes()
    types = set(Ticket.Type.values)
    samples: list[Sample] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict):
            raise _corpus_error(_("not a JSON object."), path=path, line=number, code="corpus_line")
        text, category, kind = row.get("text"), row.get("category"), row.get("type", "")
        if not isinstance(text, str) or not text.strip():
            raise _corpus_error(_("the text is empty."), path=path, line=number, code="corpus_text")
        if category not in leaves:
            raise _corpus_error(
                _("%(code)r is not a leaf of the category tree.") % {"code": category},
                path=path,
                line=number,
                code="corpus_category",
            )
        if kind not in types:
            raise _corpus_error(
                _("%(type)r is not a ticket type.") % {"type": kind}, path=path, line=number, code="corpus_type"
            )
        samples.append(Sample(text=text.strip(), category=category, type=kind))
    if not samples:
        raise ApplicationError(_("The corpus %(file)s is empty.") % {"file": path}, code="corpus_empty")
    return samples


def samples_from_tickets() -> list[Sample]:
    """Closed tickets filed under an active leaf, except those answered by merging: what the hotline
    decided, to learn from."""
    rows = (
        Ticket.objects.filter(status=Ticket.Status.CLOSED, category__level=3, category__active=True)
        .exclude(resolution=Ticket.Resolution.MERGED)
        .order_by("id")
        .values_list("title", "description", "category__code", "type")
    )
    return [
        Sample(text=f"{title}\n{description}".strip(), category=code, type=kind)
        for title, description, code, kind in rows
        if f"{title}{description}".strip()
    ]


# --- training ----------------------------------------------------------------------------------


def analyse(text: str) -> list[str]:
    """jieba words of text, then its characters and character bigrams (within runs of letters and
    digits). Stored pipelines refer to this function by name: keep the name and the module."""
    lowered = text.lower()
    tokens = words(lowered)
    for run in _RUN.findall(lowered):
        tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def _pipeline(seed: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=2)),
            (
                "clf",
                CalibratedClassifierCV(LinearSVC(C=1.0, random_state=seed), method="temperature", cv=3, ensemble=False),
            ),
        ]
    )


def train(samples: Sequence[Sample], *, test_size: float = 0.2, seed: int = SEED) -> TrainResult:
    """Fit on a stratified split and measure on the held-out part, then refit on every sample."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ApplicationError(_("The held-out share must be between 0 and 1."), code="classifier_test_size")
    counts = Counter(s.category for s in samples)
    kept = [s for s in samples if counts[s.category] >= MIN_SAMPLES]
    classes = sorted({s.category for s in kept})
    if len(classes) < 2:
        raise ApplicationError(
            _("Training needs at least two categories with %(n)d texts each.") % {"n": MIN_SAMPLES},
            code="classifier_too_few",
        )
    texts = [s.text for s in kept]
    labels = [s.category for s in kept]
    started = time.perf_counter()
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            texts, labels, test_size=test_size, stratify=labels, random_state=seed
        )
        measured = _pipeline(seed).fit(x_train, y_train)
        predicted = measured.predict(x_test)
        pipeline = _pipeline(seed).fit(texts, labels)
    except ValueError as exc:  # too few texts for the split, the calibration folds or the vocabulary
        raise ApplicationError(
            _("The classifier cannot be trained on these texts: %(error)s") % {"error": exc},
            code="classifier_untrainable",
        )
    precision, recall, f1, support = precision_recall_fscore_support(y_test, predicted, labels=classes, zero_division=0)
    metrics: dict[str, Any] = {
        "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
        "macro_f1": round(float(f1_score(y_test, predicted, labels=classes, average="macro", zero_division=0)), 4),
        "per_category": {
            code: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, code in enumerate(classes)
        },
        "n_samples": len(kept),
        "n_train": len(x_train),
        "n_test": len(x_test),
        "test_size": test_size,
        "seed": seed,
        "skipped_categories": sorted(code for code, n in counts.items() if n < MIN_SAMPLES),
        "train_seconds": round(time.perf_counter() - started, 2),
    }
    return TrainResult(pipeline=pipeline, metrics=metrics, n_train=len(x_train), n_test=len(x_test), classes=classes)


def model_save(result: TrainResult, *, actor: User | None = None, source: str) -> ClassifierModel:
    """Store the trained pipeline (signed) as the active model; older models become inactive."""
    import sklearn

    if not source:
        raise ApplicationError(_("Say where the training texts came from."), code="classifier_source")
    blob = pickle.dumps(result.pipeline, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hmac_sm3_hex(purpose_key(HMAC_PURPOSE), blob)
    now = timezone.now()
    version = f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
    metrics = {
        **result.metrics,
        "source": source,
        "n_train": result.n_train,
        "n_test": result.n_test,
        "classes": result.classes,
        "sklearn": sklearn.__version__,
        "blob_bytes": len(blob),
    }
    with transaction.atomic():
        ClassifierModel.objects.filter(active=True).update(active=False)
        model = ClassifierModel.objects.create(
            version=version, blob=blob, digest=digest, metrics=metrics, trained_at=now, trained_by=actor, active=True
        )
        audit.record(
            actor=actor,
            action="hotline.classifier_train",
            target=model,
            detail={
                "version": version,
                "source": source,
                "accuracy": metrics.get("accuracy"),
                "macro_f1": metrics.get("macro_f1"),
                "n_samples": metrics.get("n_samples"),
                "n_test": result.n_test,
                "categories": len(result.classes),
                "blob_bytes": len(blob),
            },
        )
    model_cache_clear()
    return model


# --- suggesting --------------------------------------------------------------------------------


# The newest row by primary key, read on every call, says cheaply whether a model was stored since
# the last look (by any process); the full look-up (active, newest trained_at) runs when it changed
# and at least every RECHECK_SECONDS, to notice a model deactivated without a new one. The probe
# reads no column stored after the blob: on SQLite reaching those walks the blob's overflow pages
# (1.4 ms per call with a 2.5 MB model, against 0.1 ms).
RECHECK_SECONDS = 30.0


@dataclass(slots=True)
class _Loaded:
    probe: tuple[int, str] | None  # pk and version of the newest row when last looked up
    key: tuple[int, str, str] | None  # pk, version, digest of the active row the pipeline came from
    pipeline: Any  # None: no active row, or it was refused
    checked: float  # time.monotonic() of the full look-up


_lock = threading.Lock()
_loaded: _Loaded | None = None


def model_cache_clear() -> None:
    """Forget the pipeline this process loaded (the next suggestion reads the newest row again)."""
    global _loaded
    with _lock:
        _loaded = None


def _unpickle(pk: int, version: str, digest: str) -> Any:
    blob = ClassifierModel.objects.filter(pk=pk).values_list("blob", flat=True).first()
    if blob is None:
        return None
    blob = bytes(blob)
    if not hmac.compare_digest(hmac_sm3_hex(purpose_key(HMAC_PURPOSE), blob), digest):
        logger.error("hotline classifier %s: the stored digest does not match the blob; not loaded", version)
        return None
    try:
        return pickle.loads(blob)  # noqa: S301 - authenticated by the HMAC just checked
    except Exception:  # e.g. pickled by another scikit-learn version whose classes moved
        logger.exception("hotline classifier %s could not be loaded", version)
        return None


def _active_pipeline() -> tuple[str, Any] | None:
    """The newest active model's version and pipeline, loaded (and its digest checked) once per
    process and model."""
    global _loaded
    probe = ClassifierModel.objects.order_by("-pk").values_list("pk", "version").first()
    loaded = _loaded
    if loaded is None or loaded.probe != probe or time.monotonic() - loaded.checked > RECHECK_SECONDS:
        with _lock:
            row = ClassifierModel.objects.filter(active=True).values_list("pk", "version", "digest").first()
            key = (row[0], row[1], row[2]) if row is not None else None
            if _loaded is not None and _loaded.key == key:
                pipeline = _loaded.pipeline
            else:
                pipeline = _unpickle(*key) if key is not None else None
            _loaded = loaded = _Loaded(probe=probe, key=key, pipeline=pipeline, checked=time.monotonic())
    if loaded.key is None or loaded.pipeline is None:
        return None
    return loaded.key[1], loaded.pipeline


def suggest(text: str, *, top: int = 3) -> Suggestion | None:
    """The `top` most likely leaf categories of text by the newest active model; None without a
    usable model or text."""
    if not text or not text.strip():
        return None
    active = _active_pipeline()
    if active is None:
        return None
    version, pipeline = active
    probabilities = pipeline.predict_proba([text])[0]
    classes = pipeline.classes_
    best = probabilities.argsort()[::-1][: max(1, top)]
    return Suggestion(version=version, ranked=[(str(classes[i]), round(float(probabilities[i]), 4)) for i in best])

"""Chinese word segmentation with jieba, shared by every search and by the ticket classifier.

jieba is pure Python and ships its dictionary; nothing is downloaded. The platform keeps its own
tokenizer, made on first use (loading the dictionary takes about a second), so it never touches
jieba's global state. jieba caches the parsed dictionary in the temporary directory and works
without the cache when that is not writable.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

_WORD = re.compile(r"^\w+$")
_lock = threading.Lock()
_tokenizer: Any = None


def tokenizer() -> Any:
    """The platform's jieba tokenizer (a ``jieba.Tokenizer``), initialised once per process."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                made = jieba.Tokenizer()
                made.initialize()
                _tokenizer = made
    return _tokenizer


def segment(text: str) -> list[str]:
    """Lower-cased word tokens of text in jieba's search mode (a compound and its parts: 养老保险
    gives 养老, 保险, 养老保险), first occurrence order, no repeats, punctuation dropped."""
    seen: dict[str, None] = {}
    for token in tokenizer().cut_for_search(text.lower()):
        token = token.strip()
        if token and _WORD.match(token):
            seen.setdefault(token, None)
    return list(seen)


def words(text: str) -> list[str]:
    """Lower-cased word tokens of text in jieba's precise mode, in order, repeats kept, punctuation
    dropped: the input of a bag-of-words model."""
    return [t for t in (t.strip() for t in tokenizer().lcut(text.lower())) if t and _WORD.match(t)]


def token_column(parts: Iterable[str]) -> str:
    """The search tokens of several texts as one stored column: space-joined, first occurrence
    order, no repeats, with a space at each end (" 社保 转移 ") so that a token is matched by
    LIKE '% token %'; "" when there is none."""
    tokens: dict[str, None] = {}
    for part in parts:
        for token in segment(part):
            tokens.setdefault(token, None)
    return f" {' '.join(tokens)} " if tokens else ""

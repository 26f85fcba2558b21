"""Fixtures of the notice tests: the memory gateway, and English pages."""

from __future__ import annotations

import pytest
from django.utils import translation

from dgov.notices.backends import MemoryBackend


@pytest.fixture
def outbox(settings) -> list:
    """Messages sent through the gateway during the test (the MemoryBackend replaces the console)."""
    settings.DGOV_NOTICE_BACKEND = "dgov.notices.backends.MemoryBackend"
    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class BrokenGateway:
    """A gateway that is down."""

    def send_sms(self, *, phone: str, text: str) -> None:
        raise ConnectionError(f"gateway refused {phone}")

    def send_email(self, *, address: str, subject: str, text: str) -> None:
        raise ConnectionError(f"gateway refused {address}")

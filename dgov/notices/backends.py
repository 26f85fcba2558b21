"""The SMS and email gateway behind one Protocol, chosen by the dotted-path setting DGOV_NOTICE_BACKEND.

The default, :class:`ConsoleBackend`, writes what would be sent to the ``dgov.notices`` logger; a
deployment names its gateway's class (e.g. ``"myorg.sms.GatewayBackend"``) in the setting. A backend
raises any exception when a message cannot be sent; the caller records it as a failed Delivery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from dgov.core.masking import mask_email, mask_phone

logger = logging.getLogger("dgov.notices")

DEFAULT_BACKEND = "dgov.notices.backends.ConsoleBackend"


class NoticeBackend(Protocol):
    def send_sms(self, *, phone: str, text: str) -> None: ...

    def send_email(self, *, address: str, subject: str, text: str) -> None: ...


class ConsoleBackend:
    """Development default: logs each message with the number or address masked."""

    def send_sms(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)

    def send_email(self, *, address: str, subject: str, text: str) -> None:
        logger.info("Email to %s: %s\n%s", mask_email(address), subject, text)


@dataclass(frozen=True)
class SentMessage:
    channel: str
    address: str
    subject: str
    text: str


class MemoryBackend:
    """For tests: keeps every message in the class-level ``outbox`` (clear it between tests)."""

    outbox: ClassVar[list[SentMessage]] = []

    def send_sms(self, *, phone: str, text: str) -> None:
        self.outbox.append(SentMessage("sms", phone, "", text))

    def send_email(self, *, address: str, subject: str, text: str) -> None:
        self.outbox.append(SentMessage("email", address, subject, text))


def get_backend() -> NoticeBackend:
    """A new instance of the backend named by settings.DGOV_NOTICE_BACKEND (ConsoleBackend if unset)."""
    backend_class: Any = import_string(getattr(settings, "DGOV_NOTICE_BACKEND", DEFAULT_BACKEND))
    backend: NoticeBackend = backend_class()
    return backend

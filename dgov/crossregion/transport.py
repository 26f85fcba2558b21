"""How messages reach a peer: a small interface, chosen by ``DGOV_CROSSREGION_TRANSPORT``.

- :class:`HttpTransport` (the default): HTTPS with ``requests`` and timeouts.
- :class:`InProcessTransport`: calls this process's own views through django.test.Client with the
  same bytes and headers — two regions in one database, as the tests and a one-machine demo run
  them. Only the path of the peer's URL is used.

A transport returns the peer's answer (any HTTP status) or raises :class:`TransportError` when no
answer came (refused connection, timeout, broken response). After a TransportError the sender
does not know whether the peer processed the message, so it retries with the same id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0


class TransportError(Exception):
    """No answer from the peer (the message may or may not have been processed)."""


@dataclass(frozen=True)
class Answer:
    status: int
    content: bytes

    def json(self) -> dict[str, Any]:
        import json

        try:
            doc = json.loads(self.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer: ...

    def get(self, url: str) -> Answer: ...


class HttpTransport:
    """HTTPS to the peer's platform."""

    def __init__(self, timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)) -> None:
        self.timeout = timeout

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        import requests

        try:
            response = requests.post(
                url,
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8", **headers},
                timeout=self.timeout,
                allow_redirects=False,
            )
            return Answer(response.status_code, response.content)
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    def get(self, url: str) -> Answer:
        import requests

        try:
            response = requests.get(
                url, headers={"Accept": "application/json"}, timeout=self.timeout, allow_redirects=False
            )
            return Answer(response.status_code, response.content)
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc


class InProcessTransport:
    """The peer is this process: the request goes to its own URL configuration."""

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        from django.test import Client

        response = Client().post(self._path(url), data=body, content_type="application/json", headers=headers)
        return Answer(response.status_code, response.content)

    def get(self, url: str) -> Answer:
        from django.test import Client

        response = Client().get(self._path(url), headers={"Accept": "application/json"})
        return Answer(response.status_code, response.content)


def get_transport() -> Transport:
    path = getattr(settings, "DGOV_CROSSREGION_TRANSPORT", "dgov.crossregion.transport.HttpTransport")
    transport: Transport = import_string(path)()
    return transport

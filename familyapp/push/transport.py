"""HTTP POSTs to push services over kept-alive connections (stdlib http.client).

Pure module (no Flask, no database). One Transport per thread: http.client connections are
not thread-safe. The standard library is enough for one POST per message, so no HTTP client
dependency is added.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    """A push service's status and headers (lower-case names); status None: no answer."""

    status: int | None
    headers: dict[str, str]
    error: str = ""


class Transport:
    """Keeps one connection per push-service origin and POSTs through it."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self._tls = ssl.create_default_context()

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        found = self._connections.get(key)
        if found is None:
            if scheme == "https":
                found = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=self._tls
                )
            else:
                found = http.client.HTTPConnection(host, port, timeout=self.timeout)
            self._connections[key] = found
        return found

    def post(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        """POST body to url; a dropped kept-alive connection is retried once on a new one."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return Answer(None, {}, "unsupported endpoint")
        port = parts.port or (443 if scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        for attempt in (1, 2):
            connection = self._connection(scheme, parts.hostname, port)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()})
                if response.will_close:
                    self._drop(scheme, parts.hostname, port)
                return answer
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The service closed an idle kept-alive connection: reconnect once.
                self._drop(scheme, parts.hostname, port)
                if attempt == 2:
                    return Answer(None, {}, "connection closed")
            except (TimeoutError, OSError, http.client.HTTPException) as error:
                self._drop(scheme, parts.hostname, port)
                return Answer(None, {}, type(error).__name__)
        return Answer(None, {}, "unreachable")  # pragma: no cover - the loop always returns

    def _drop(self, scheme: str, host: str, port: int) -> None:
        connection = self._connections.pop((scheme, host, port), None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        """Close every kept connection."""
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

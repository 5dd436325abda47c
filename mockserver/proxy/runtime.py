"""`Proxy`: the validating, recording proxy on a real uvicorn server in a thread, on 127.0.0.1.

    with Proxy(api="praisonai", target="http://127.0.0.1:8005", record="session.jsonl") as proxy:
        JobsHandler(api_url=proxy.url).submit("hello", wait=True)
        assert proxy.violations() == []
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from mockserver.proxy.app import ProxyApp
from mockserver.proxy.findings import Violation
from mockserver.server import ServerThread

__all__ = ["Proxy"]


class Proxy:
    def __init__(self, *, api: str, target: str, profile: str = "impl", record: str | Path | None = None,
                 host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 allowed_hosts: Iterable[str] = (), timer: Callable[[], float] = time.monotonic) -> None:
        """`timer`: what the cassette's `started`, `duration` and event offsets are measured on; the
        wall clock, or a mock's virtual clock (`clock.now`) to record a session on its time."""
        self.app = ProxyApp(api, target, profile=profile, record=record, allowed_hosts=allowed_hosts,
                            timer=timer)
        self._server = ServerThread(self.app, host=host, port=port, log_level=log_level)
        self._running = False

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def api(self) -> str:
        return self.app.api

    @property
    def target(self) -> str:
        return self.app.target

    def start(self) -> Proxy:
        self._server.start()
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._server.stop()
            self._running = False
        self.app.close()

    def violations(self, *, settle: float = 5.0) -> list[Violation]:
        """Every violation so far, once the exchanges under way have been checked (up to `settle` s)."""
        self.app.settle(settle)
        return self.app.violations.all()

    def clauses(self) -> list[str]:
        """The clause ids of the violations so far, each once, sorted."""
        return sorted({v.clause for v in self.violations()})

    def summary(self) -> dict[str, Any]:
        self.app.settle()
        return self.app.summary()

    def clear(self) -> None:
        self.app.settle()
        self.app.violations.clear()

    def write_report(self, directory: str | Path) -> dict[str, Any]:
        """The conformance report (Markdown, HTML, JSON) of what the proxy saw, as the suite writes it."""
        from mockserver.proxy.report import write_proxy_report

        self.app.settle()
        return write_proxy_report(directory, api=self.api, profile=self.app.profile, target=self.target,
                                  violations=self.app.violations.all(), judged=set(self.app.observer.judged))

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

"""Webhook delivery: POST the profile's payload to a finished run's `webhook_url`.

Runs finish lazily (on the clock), so someone has to look for runs that have finished. One
dispatcher per app does, and only while some run still has an undelivered webhook: it checks every
`poll_seconds` of real time, POSTs with httpx, and stops when nothing is pending. Tests that want
no timing at all call `deliver_due()` themselves. Every attempt is recorded in the model's
`webhook_log` (for the journal and the inspector).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx

from mockserver.praisonai.models import PraisonAIModel, RunView
from mockserver.praisonai.profiles import Profile
from mockserver.praisonai.webhook_targets import screen

DELIVERY_TIMEOUT_S = 30.0   # praisonai/jobs/executor.py:87


def pinned_url(url: str, address: str) -> httpx.URL:
    """`url` with its host replaced by a checked address (the Host header keeps the name)."""
    return httpx.URL(url).copy_with(host=address)


class WebhookDispatcher:
    def __init__(self, model: PraisonAIModel, profile: Profile, *, poll_seconds: float = 0.05,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.model = model
        self.profile = profile
        self.poll_seconds = poll_seconds
        self.transport = transport
        self._task: asyncio.Task[None] | None = None

    async def deliver_due(self) -> list[dict[str, Any]]:
        """POST every webhook that is due now; returns the log entries of this call."""
        views = self.model.take_due_webhooks(self.profile.webhook_wanted)
        if not views:
            return []
        async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_S, follow_redirects=False,
                                     transport=self.transport) as client:
            return [await self._post(client, view) for view in views]

    async def _post(self, client: httpx.AsyncClient, view: RunView) -> dict[str, Any]:
        url = view.webhook_url or ""
        payload = self.profile.webhook_payload(view)
        entry: dict[str, Any] = {"job_id": view.job_id, "url": url, "payload": payload,
                                 "at": self.model.clock.now()}
        # Screened again at delivery, as the reference does (executor.py:528-539), off the event
        # loop (it may ask DNS); then sent to an address that was checked, never to the name again.
        target = await asyncio.get_running_loop().run_in_executor(None, screen, url, self.model.webhook_policy)
        if target.refusal is not None:
            entry["error"] = f"refused: {target.refusal}"
            self.model.record_webhook(entry)
            return entry
        try:
            response = await client.post(pinned_url(url, target.addresses[0]), json=payload,
                                          headers={"Host": httpx.URL(url).netloc.decode("ascii")},
                                          extensions={"sni_hostname": target.host})
            entry["status_code"] = response.status_code
        except Exception as exc:  # a webhook failure is only logged, as in executor.py:585-586
            entry["error"] = f"{type(exc).__name__}: {exc}"
        self.model.record_webhook(entry)
        return entry

    def ensure_running(self) -> None:
        """Start the dispatcher on the running loop if webhooks are pending and it is not running."""
        if self._task is not None and not self._task.done():
            try:
                if self._task.get_loop() is asyncio.get_running_loop():
                    return
            except RuntimeError:
                return
        if self.model.pending_webhooks():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        while self.model.pending_webhooks():
            await self.deliver_due()
            await asyncio.sleep(self.poll_seconds)
        await self.deliver_due()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await task

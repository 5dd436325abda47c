"""The event stream of one run, computed from the model as the clock moves.

Like the reference (praisonai/jobs/router.py:282-355) the loop looks at the run, sends what
changed (status, then progress), ends after the terminal event, and otherwise waits for the next
change or a heartbeat interval. Waiting is on the mock's clock: `clock.sleep_until(next change)`,
cut short when an event (cancel, delete) bumps the model's version. So a test that advances the
virtual clock sees the stream move at once; nothing runs per run in the background.
How each observation is framed is the profile's business.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mockserver.praisonai.models import PraisonAIModel
from mockserver.praisonai.profiles import Profile, SSEEvent

HEARTBEAT_SECONDS = 5.0   # router.py:345: asyncio.wait_for(..., timeout=5.0)
_VERSION_POLL_SECONDS = 0.02

_UNSEEN: Any = object()


async def run_events(model: PraisonAIModel, job_id: str, profile: Profile, *,
                     heartbeat_seconds: float = HEARTBEAT_SECONDS) -> AsyncIterator[SSEEvent]:
    last_status: str | None = None
    last_progress: Any = _UNSEEN
    while True:
        version = model.version
        view = model.find(job_id)
        if view is None:
            for event in profile.sse_gone(job_id):
                yield event
            return
        if view.status != last_status:
            last_status = view.status
            for event in profile.sse_status(view):
                yield event
        key = profile.sse_progress_key(view)
        if key != last_progress:
            last_progress = key
            for event in profile.sse_progress(view):
                yield event
        if view.terminal:
            for event in profile.sse_terminal(view):
                yield event
            return
        heartbeat_at = view.at + heartbeat_seconds
        change_at = model.next_change(job_id, view.at)
        await _wait(model, min(change_at, heartbeat_at), version)
        if change_at > heartbeat_at and model.version == version and model.clock.now() >= heartbeat_at:
            for event in profile.sse_heartbeat(heartbeat_at):
                yield event


async def _wait(model: PraisonAIModel, instant: float, version: int) -> None:
    """Until the clock reaches `instant` or the model changes, whichever comes first."""
    sleeper = asyncio.ensure_future(model.clock.sleep_until(instant))
    try:
        while not sleeper.done() and model.version == version:
            await asyncio.wait({sleeper}, timeout=_VERSION_POLL_SECONDS)
    finally:
        if not sleeper.done():
            sleeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sleeper

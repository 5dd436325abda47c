"""Start praisonai 4.7.19's real jobs app with a test-double executor (no LLM), on 127.0.0.1.

Run with an interpreter that has `praisonai` installed (see tests/praisonai/test_parity.py):
    python reference_double.py [--max-concurrent N] [--max-queued N]
It binds a free port and prints `PORT <n>` on stdout once the server is listening.

The double keeps the reference's router, store, executor loop, timeouts, cancellation and
queue admission; only the agent call is replaced. It reads the same `config` hints as the mock:
  mock_steps (default 3), mock_step_seconds (default 1.0), mock_fail (error text; the run fails
  when its last step would end), mock_result (any JSON value; default "Mock result for: <prompt>"),
  mock_hang (the last step never ends), mock_queue_seconds (time spent queued before the run
  competes for a concurrency slot).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys

DEFAULT_STEPS = 3
DEFAULT_STEP_SECONDS = 1.0


def _build_app(max_concurrent: int, max_queued: int | None):
    from praisonai.jobs.executor import JobExecutor
    from praisonai.jobs.server import create_app
    from praisonai.jobs.store import InMemoryJobStore

    class HintedExecutor(JobExecutor):
        async def _execute_job(self, job):  # type: ignore[override]
            queue_seconds = float(job.config.get("mock_queue_seconds") or 0)
            if queue_seconds > 0:
                # Before the concurrency semaphore: the run stays QUEUED, as the mock models it.
                await asyncio.sleep(queue_seconds)
            await super()._execute_job(job)

        async def _run_agent(self, job):  # type: ignore[override]
            config = job.config or {}
            steps = max(0, int(config.get("mock_steps", DEFAULT_STEPS)))
            step_seconds = float(config.get("mock_step_seconds", DEFAULT_STEP_SECONDS))
            if steps:
                await self._report(job, 0, steps)
            for done in range(1, steps + 1):
                await asyncio.sleep(step_seconds)
                if done < steps:
                    await self._report(job, done, steps)
            failure = config.get("mock_fail")
            if failure:
                raise RuntimeError(failure if isinstance(failure, str) else "Mock failure")
            if config.get("mock_hang"):
                await asyncio.Event().wait()  # until cancelled or timed out
            if steps:
                await self._report(job, steps, steps)
            return config.get("mock_result", f"Mock result for: {job.prompt}")

        async def _report(self, job, done: int, steps: int) -> None:
            step = f"Step {min(done + 1, steps)} of {steps}"
            job.update_progress(percentage=100.0 * done / steps, step=step,
                                steps_completed=done, steps_total=steps)
            await self.store.save(job)
            await self._notify_progress(job)

    store = InMemoryJobStore(max_jobs=1000)
    executor = HintedExecutor(store=store, max_concurrent=max_concurrent, max_queued=max_queued)
    return create_app(store=store, executor=executor)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-concurrent", type=int, default=10)
    parser.add_argument("--max-queued", type=int, default=None)
    args = parser.parse_args(argv)
    for var in ("PRAISONAI_JOBS_API_KEY", "ENVIRONMENT", "PRAISONAI_JOBS_DB_PATH"):
        os.environ.pop(var, None)
    os.environ["PRAISONAI_JOBS_BIND_HOST"] = "127.0.0.1"

    import uvicorn

    app = _build_app(args.max_concurrent, args.max_queued)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))

    async def serve() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.01)
        print(f"PORT {sock.getsockname()[1]}", flush=True)
        await task

    asyncio.run(serve())
    sys.exit(0)


if __name__ == "__main__":
    main()

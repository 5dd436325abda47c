"""The Kinetica model spoken to in Avro-field records: request record -> typed request -> model ->
view -> response record. The HTTP app (and the jobs it runs) go through here; the model never sees a
record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.kinetica import wire
from mockserver.kinetica.errors import KineticaError
from mockserver.kinetica.models import JOB_DONE, JOB_ERROR, JOB_RUNNING, STATUS_MAPS, KineticaModel, StatusView
from mockserver.kinetica.requests import (
    CreateJob,
    CreateProc,
    ExecuteProc,
    GetJob,
    KillProc,
    ShowProc,
    ShowProcStatus,
    proc_name,
)

Record = dict[str, Any]
# (endpoint, request encoding "binary"|"json", payload) -> the encoded response record, or KineticaError
JobDispatcher = Callable[[str, str, bytes], bytes]


def status_record(view: StatusView) -> Record:
    response: Record = {name: {} for name in STATUS_MAPS}
    for run_id, slice_ in view.runs.items():
        for name in STATUS_MAPS:
            response[name][run_id] = slice_[name]
    response["info"] = {}
    return response


class KineticaRecords:
    """One method per endpoint, record in and record out. `dispatch` runs a job's inner request
    (default: through these same methods, in the job's encoding)."""

    def __init__(self, model: KineticaModel, dispatch: JobDispatcher | None = None) -> None:
        self.model = model
        self.dispatch: JobDispatcher = dispatch if dispatch is not None else self.run_encoded

    # -- procs ------------------------------------------------------------------------------------
    def create_proc(self, record: Record) -> Record:
        return {"proc_name": self.model.create_proc(CreateProc.from_record(record)), "info": {}}

    def show_proc(self, record: Record) -> Record:
        request = ShowProc.from_record(record)
        procs = self.model.show_proc(request.name)
        return {
            "proc_names": [p.name for p in procs],
            "execution_modes": [p.execution_mode for p in procs],
            "files": [p.files if request.include_files else {} for p in procs],
            "commands": [p.command for p in procs],
            "args": [p.args for p in procs],
            "options": [p.options for p in procs],
            "info": {},
        }

    def has_proc(self, record: Record) -> Record:
        name = proc_name(record)
        return {"proc_name": name, "proc_exists": self.model.has_proc(name), "info": {}}

    def delete_proc(self, record: Record) -> Record:
        return {"proc_name": self.model.delete_proc(proc_name(record)), "info": {}}

    # -- runs -------------------------------------------------------------------------------------
    def execute_proc(self, record: Record) -> Record:
        return {"run_id": self.model.execute_proc(ExecuteProc.from_record(record)), "info": {}}

    def show_proc_status(self, record: Record) -> Record:
        return status_record(self.status_view(record))

    def status_view(self, record: Record) -> StatusView:
        """A status poll: counted first (an event, for runs whose length is counted in polls), then read."""
        request = ShowProcStatus.from_record(record)
        self.model.count_poll(request)
        return self.model.show_proc_status(request)

    def kill_proc(self, record: Record) -> Record:
        return {"run_ids": self.model.kill_proc(KillProc.from_record(record)), "info": {}}

    # -- jobs -------------------------------------------------------------------------------------
    def create_job(self, record: Record) -> Record:
        request = CreateJob.from_record(record)
        created = self.model.create_job(
            request, lambda: self.dispatch(request.endpoint, request.encoding, request.payload))
        return {"job_id": created.job_id,
                "info": {"job_tag": created.tag, "query_id": f"mock-query-{created.job_id}"}}

    def get_job(self, record: Record) -> Record:
        request = GetJob.from_record(record)
        self.model.count_job_poll(request)
        job = self.model.get_job(request)
        done = job.status == JOB_DONE
        return {
            "endpoint": job.endpoint,
            "job_status": job.status,
            "running": job.status == JOB_RUNNING,
            "progress": job.progress,
            "successful": done,
            "response_encoding": job.encoding,
            "job_response": job.response if done and job.encoding == "binary" else b"",
            "job_response_str": job.response.decode("utf-8") if done and job.encoding == "json" else "",
            "status_map": {"error_message": job.error_message} if job.status == JOB_ERROR else {},
            "info": {"job_tag": job.tag},
        }

    def run_encoded(self, endpoint: str, encoding: str, payload: bytes) -> bytes:
        """Run one request for a job: the encoded response record, or KineticaError."""
        handlers = self.handlers()
        if endpoint not in handlers:
            raise KineticaError(f"endpoint {endpoint!r} is not served by this mock")
        codec = wire.codec(endpoint)
        try:
            record = codec.decode_request(payload, encoding)
        except wire.WireError as exc:
            raise KineticaError(exc.message) from None
        return codec.encode_record(handlers[endpoint](record), encoding)

    # -- system -----------------------------------------------------------------------------------
    def show_system_properties(self, record: Record, *, public_url: str | None = None) -> Record:
        return {"property_map": self.model.system_properties(public_url), "info": {}}

    def show_system_status(self, record: Record) -> Record:
        return {"status_map": {"system": '{"status":"running"}'}, "info": {}}

    def handlers(self) -> dict[str, Callable[[Record], Record]]:
        """Endpoint -> method."""
        return {
            "/create/proc": self.create_proc, "/show/proc": self.show_proc, "/has/proc": self.has_proc,
            "/delete/proc": self.delete_proc, "/execute/proc": self.execute_proc,
            "/show/proc/status": self.show_proc_status, "/kill/proc": self.kill_proc,
            "/create/job": self.create_job, "/get/job": self.get_job,
            "/show/system/properties": self.show_system_properties,
            "/show/system/status": self.show_system_status,
        }

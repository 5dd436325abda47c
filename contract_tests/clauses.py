"""The catalog of testable statements ("clauses") the suite checks, each with an id and its source.

Sources are doc pages under `docs/` (the pages in ../shared/docs, `page:line`), the Avro schemas of
Kinetica's official client for endpoints without a page (`gpudb:<endpoint>`), and for PraisonAI's
`impl` profile the reference implementation (`praisonai 4.7.19 jobs/<file>:line`). Statements are in
our own words. A clause applies to one or both PraisonAI profiles; Kinetica has a single contract, so
its clauses apply to every profile.

Ids read `<API>-<FAMILY>-<NNN>`; a trailing `D` or `I` marks the docs-only or impl-only side of a
point where the pages and the implementation disagree. The family (`KIN-SPS`) groups the clauses that
one kind of misbehaviour breaks, which is what the kill matrix is organised by.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MUST = "must"  # a statement the pages make as an obligation: a departure fails
ADVISORY = "advisory"  # shown (an example, a convention) but not required: a departure is reported

BOTH = frozenset({"docs", "impl"})
DOCS = frozenset({"docs"})
IMPL = frozenset({"impl"})

KIN = "kinetica"
PRA = "praisonai"


@dataclass(frozen=True)
class Clause:
    id: str
    api: str
    source: str
    statement: str
    profiles: frozenset[str] = field(default=BOTH)
    level: str = MUST

    @property
    def family(self) -> str:
        return self.id.rsplit("-", 1)[0]

    def applies_to(self, profile: str) -> bool:
        return profile in self.profiles


def _k(cid: str, source: str, statement: str, level: str = MUST) -> Clause:
    return Clause(cid, KIN, "kinetica/" + source if ".md:" in source else source, statement, level=level)


def _p(cid: str, source: str, statement: str, profiles: frozenset[str] = BOTH, level: str = MUST) -> Clause:
    return Clause(cid, PRA, source, statement, profiles, level)


_PJ = "praisonai 4.7.19 jobs/"

CLAUSES: tuple[Clause, ...] = (
    # ---- Kinetica: the response wrapper (identical text on every page) ---------------------------
    _k("KIN-WIRE-001", "execute_proc.md:109",
       "Every answer is the standard wrapper with the keys status, message, data_type, data, data_str."),
    _k("KIN-WIRE-002", "execute_proc.md:111",
       "The wrapper's status is the string OK or ERROR."),
    _k("KIN-WIRE-003", "execute_proc.md:115",
       "message is empty on success and says what went wrong on error."),
    _k("KIN-WIRE-004", "execute_proc.md:119",
       "data_type names the response record (e.g. execute_proc_response) on success and is 'none' on error."),
    _k("KIN-WIRE-005", "execute_proc.md:123",
       "In the JSON encoding the wrapper's data field is the empty string."),
    _k("KIN-WIRE-006", "execute_proc.md:127",
       "data_str carries the endpoint's response object as JSON text on success, the empty string on error."),
    _k("KIN-WIRE-007", "gpudb:/gpudb_response",
       "In the Avro binary encoding the answer is the Avro gpudb_response wrapper whose data field holds "
       "the Avro encoding of the endpoint's response record."),
    _k("KIN-WIRE-008", "gpudb:/gpudb_response",
       "The same request sent as Avro and as JSON has the same meaning: same status, same decoded response."),
    _k("KIN-WIRE-009", "gpudb:client failover",
       "A request the server understands but refuses (unknown proc, bad value) is answered with the "
       "ERROR wrapper and a 4xx status, never a 5xx or 404 (the client takes those for a dead node)."),
    _k("KIN-WIRE-010", "gpudb:client",
       "Bodies that are not valid JSON or Avro, or have wrongly typed fields, get the ERROR wrapper."),
    # ---- Kinetica: system endpoints the client needs to connect ---------------------------------
    _k("KIN-SYS-001", "gpudb:/show/system/properties",
       "/show/system/properties answers a property_map whose version.gpudb_core_version is a "
       "four-part version number."),
    _k("KIN-SYS-002", "gpudb:/show/system/status",
       "/show/system/status answers a status_map whose 'system' entry is JSON text with a status."),
    # ---- Kinetica: the proc registry (pages absent; the client's schemas) ------------------------
    _k("KIN-PRC-001", "gpudb:/create/proc",
       "/create/proc registers a proc under proc_name and echoes that name."),
    _k("KIN-PRC-002", "gpudb:/has/proc",
       "/has/proc reports proc_exists true for a registered proc and false for any other name."),
    _k("KIN-PRC-003", "gpudb:/show/proc",
       "/show/proc of one proc lists it with its execution_mode, command and args; without a name it "
       "lists every registered proc."),
    _k("KIN-PRC-004", "gpudb:/delete/proc",
       "/delete/proc removes the proc: has_proc is false afterwards and executing it is an error."),
    _k("KIN-PRC-005", "gpudb:/create/proc",
       "Creating a proc under a name that is already registered is an error."),
    _k("KIN-PRC-006", "gpudb:/show/proc",
       "Asking /show/proc, /delete/proc about an unknown proc name is an error, not a crash."),
    # ---- Kinetica: /execute/proc ----------------------------------------------------------------
    _k("KIN-EXE-001", "execute_proc.md:11",
       "/execute/proc is asynchronous: it answers with a run_id without waiting for the proc to finish."),
    _k("KIN-EXE-002", "execute_proc.md:25",
       "proc_name must name an existing proc; executing an unknown proc is an error."),
    _k("KIN-EXE-003", "execute_proc.md:19",
       "For a non-distributed proc the table parameters are ignored (naming tables does not make the "
       "call fail)."),
    _k("KIN-EXE-004", "execute_proc.md:28",
       "params default to an empty map; bin_params likewise (execute_proc.md:34)."),
    _k("KIN-EXE-005", "execute_proc.md:76",
       "A non-empty run_tag option identifies the instance to /show/proc/status and /kill/proc."),
    _k("KIN-EXE-006", "execute_proc.md:82",
       "max_output_lines bounds the stdout and stderr lines /show/proc/status returns; when more were "
       "written the earlier ones are dropped, so the last ones remain."),
    _k("KIN-EXE-007", "execute_proc.md:85",
       "max_output_lines defaults to 100."),
    _k("KIN-EXE-008", "execute_proc.md:88",
       "With execute_at_startup true the instance's run_id is retrievable through /show/proc and "
       "usable with /show/proc/status."),
    _k("KIN-EXE-009", "execute_proc.md:131",
       "The run_id is accepted by /show/proc/status and /kill/proc, and each execution gets a new one."),
    _k("KIN-EXE-010", "execute_proc.md:64",
       "cache_input and use_cached_input are accepted and ignored."),
    # ---- Kinetica: /show/proc/status ------------------------------------------------------------
    _k("KIN-SPS-001", "show_proc_status.md:11",
       "Statuses are grouped by run ID, then by data segment ID; every per-run map has the same run IDs "
       "and per-segment maps only name segments the run has."),
    _k("KIN-SPS-002", "show_proc_status.md:19",
       "An unknown run_id gives an empty response (OK, no runs), not an error."),
    _k("KIN-SPS-003", "show_proc_status.md:19",
       "Without a run_id the statuses of all executed instances are returned."),
    _k("KIN-SPS-004", "show_proc_status.md:31",
       "clear_complete returns a finished (complete, error or killed) run once and forgets it: later "
       "calls no longer return it; running runs are not cleared."),
    _k("KIN-SPS-005", "show_proc_status.md:42",
       "run_tag together with run_id returns the run only when both match."),
    _k("KIN-SPS-006", "show_proc_status.md:42",
       "run_tag without run_id returns exactly the instances executed with that tag."),
    _k("KIN-SPS-007", "show_proc_status.md:73",
       "proc_names maps each run ID to the name of the proc it executes."),
    _k("KIN-SPS-008", "show_proc_status.md:77",
       "params and bin_params echo what was passed to /execute/proc for each run."),
    _k("KIN-SPS-009", "show_proc_status.md:85",
       "input_table_names and output_table_names echo the tables passed to /execute/proc."),
    _k("KIN-SPS-010", "show_proc_status.md:89",
       "input_column_names echoes the map passed, supplemented with an entry for every input table that "
       "was not in it."),
    _k("KIN-SPS-011", "show_proc_status.md:97",
       "options echo the options passed to /execute/proc for each run."),
    _k("KIN-SPS-012", "show_proc_status.md:101",
       "overall_statuses and statuses only take the values running, complete, killed, error, none."),
    _k("KIN-SPS-013", "show_proc_status.md:102",
       "overall_statuses is the rollup of the segment statuses: running while any segment runs, complete "
       "only when all segments completed, error/killed only when some segment is in that state."),
    _k("KIN-SPS-014", "show_proc_status.md:111",
       "A segment's status only moves forward (none, running, then one of complete/error/killed) and a "
       "finished segment never changes again, nor do its messages, results and output."),
    _k("KIN-SPS-015", "show_proc_status.md:105",
       "A run whose segments all succeed ends complete; a run with a failing segment ends error."),
    _k("KIN-SPS-016", "show_proc_status.md:121",
       "messages hold per-segment status text; a failing segment's message carries the failure."),
    _k("KIN-SPS-017", "show_proc_status.md:125",
       "results hold each segment's string results; bin_results its binary results."),
    _k("KIN-SPS-018", "show_proc_status.md:133",
       "output holds each segment's stdout and stderr lines."),
    _k("KIN-SPS-019", "show_proc_status.md:147",
       "timings hold per-segment maps of integer (long) timing values."),
    _k("KIN-SPS-020", "show_proc_status.md:106",
       "A killed instance shows killed and never completes afterwards."),
    _k("KIN-SPS-021", "show_proc_status.md:19",
       "Every run ID /execute/proc handed out is reported (on its own and among all instances) until "
       "clear_complete has returned it finished; after that it is never reported again."),
    # ---- Kinetica: /kill/proc -------------------------------------------------------------------
    _k("KIN-KIL-001", "kill_proc.md:11",
       "Killing a running instance by run_id stops it (it shows killed) and names it in run_ids."),
    _k("KIN-KIL-002", "kill_proc.md:16",
       "A run_id that is unknown or already finished kills nothing: run_ids is empty and the finished "
       "run is unchanged."),
    _k("KIN-KIL-003", "kill_proc.md:16",
       "Without a run_id every running instance is killed, and only those are returned."),
    _k("KIN-KIL-004", "kill_proc.md:28",
       "run_tag with run_id kills the instance only when both match."),
    _k("KIN-KIL-005", "kill_proc.md:28",
       "run_tag without run_id kills exactly the running instances executed with that tag."),
    _k("KIN-KIL-006", "kill_proc.md:33",
       "clear_execute_at_startup kills and removes the auto-start instance so /show/proc no longer "
       "reports it."),
    _k("KIN-KIL-007", "kill_proc.md:70",
       "run_ids lists exactly the instances this call killed."),
    # ---- Kinetica: jobs -------------------------------------------------------------------------
    _k("KIN-JOB-001", "gpudb:/create/job",
       "/create/job accepts an endpoint and its request (JSON or binary) and answers a job_id; ids "
       "are distinct."),
    _k("KIN-JOB-002", "get_job.md:11",
       "/get/job reports the status of a created job; endpoint names the endpoint being executed."),
    _k("KIN-JOB-003", "get_job.md:62",
       "job_status is one of RUNNING, DONE, ERROR, CANCELLED, and moves from RUNNING to one terminal "
       "state that never changes."),
    _k("KIN-JOB-004", "get_job.md:66",
       "A DONE job carries the endpoint's response in job_response_str (json) or job_response (binary)."),
    _k("KIN-JOB-005", "get_job.md:67",
       "An ERROR job explains the error in status_map.error_message, which exists only for ERROR."),
    _k("KIN-JOB-006", "get_job.md:71",
       "running is true exactly while the job is RUNNING."),
    _k("KIN-JOB-007", "get_job.md:75",
       "progress is a percentage in 0..100."),
    _k("KIN-JOB-008", "get_job.md:79",
       "successful is true exactly when the job completed without error (DONE)."),
    _k("KIN-JOB-009", "get_job.md:83",
       "response_encoding is binary or json and says which of job_response / job_response_str holds "
       "the result; the other stays empty, and both are empty while the job runs."),
    _k("KIN-JOB-010", "get_job.md:28",
       "The job_tag given back by /create/job is accepted as the job_tag option of /get/job."),
    _k("KIN-JOB-011", "gpudb:/get/job",
       "An unknown job_id is answered with the ERROR wrapper, never a crash."),
    _k("KIN-JOB-012", "get_job.md:75",
       "progress does not go back (the page calls it an approximate percentage; none says it cannot "
       "go back).", level=ADVISORY),

    # ---- PraisonAI: submit ----------------------------------------------------------------------
    _p("PRA-SUB-001", "praisonai/submit-run.mdx:57",
       "Submitting a prompt answers 202 with job_id, status, created_at, poll_url and stream_url."),
    _p("PRA-SUB-002", "praisonai/submit-run.mdx:61",
       "A new job starts unfinished (queued, or already running)."),
    _p("PRA-SUB-003", "praisonai/submit-run.mdx:77",
       "The submit answer carries a Location header (the status URL) and a Retry-After header."),
    _p("PRA-SUB-004", "praisonai/submit-run.mdx:69",
       "poll_url addresses the job's status endpoint and stream_url its SSE stream."),
    _p("PRA-SUB-005D", "praisonai/submit-run.mdx:208",
       "A body without a prompt is rejected with 400 or 422.", DOCS),
    _p("PRA-SUB-005I", _PJ + "models.py:109",
       "A body without a prompt is rejected with 422 and a FastAPI detail list.", IMPL),
    _p("PRA-SUB-006", "praisonai/submit-run.mdx:11",
       "A repeated Idempotency-Key returns the existing job's job_id and creates no new job."),
    _p("PRA-SUB-007D", "praisonai/submit-run.mdx:161",
       "A repeated Idempotency-Key is answered 409 with the existing job's job_id, status and a message.",
       DOCS),
    _p("PRA-SUB-007I", _PJ + "router.py:68",
       "A repeated Idempotency-Key is answered 202 with the existing job's submit answer.", IMPL),
    _p("PRA-SUB-008I", _PJ + "router.py:69",
       "idempotency_key in the body works like the Idempotency-Key header.", IMPL),
    _p("PRA-SUB-009", _PJ + "executor.py:266-288",
       "A run that exceeds its timeout ends failed with an error that says it timed out.", IMPL),
    _p("PRA-SUB-009D", "praisonai/submit-run.mdx:39",
       "A run that exceeds its timeout ends failed with an error that says so, as the status page's "
       "example shows (get-run-status.mdx:128); the page itself gives neither.", DOCS, level=ADVISORY),
    _p("PRA-SUB-010", "praisonai/submit-run.mdx:210",
       "A body with wrongly typed fields, or that is not JSON, is rejected with a 4xx (422 validation)."),
    _p("PRA-SUB-011I", _PJ + "router.py:130",
       "When the admission queue is full a submit is answered 503 with a Retry-After header.", IMPL),
    _p("PRA-SUB-012", "praisonai/submit-run.mdx:193",
       "With webhook_url, the server POSTs job_id and the final status to that URL when the job ends."),
    # ---- PraisonAI: status (get-run-status.mdx and its rendered form) ---------------------------
    _p("PRA-STA-001", "praisonai/get-run-status.mdx:17",
       "The status answer carries the requested job_id."),
    _p("PRA-STA-002", "praisonai/get-run-status.mdx:21",
       "status is one of queued, running, succeeded, failed, cancelled."),
    _p("PRA-STA-003", "praisonai/get-run-status.mdx:25",
       "While running, progress is an object with a numeric percentage."),
    _p("PRA-STA-004", "praisonai/get-run-status.mdx:29",
       "progress.percentage lies in 0..100."),
    _p("PRA-STA-005", "praisonai/get-run-status.mdx:33",
       "progress.current_step, when given, is a string."),
    _p("PRA-STA-006", "praisonai/get-run-status.mdx:37",
       "created_at is always present as an ISO 8601 timestamp."),
    _p("PRA-STA-007", "praisonai/get-run-status.mdx:41",
       "started_at is an ISO 8601 timestamp once the job has started running."),
    _p("PRA-STA-008", "praisonai/get-run-status.mdx:45",
       "completed_at is an ISO 8601 timestamp once the job succeeded, failed or was cancelled, and "
       "absent before."),
    _p("PRA-STA-009", "praisonai/get-run-status.mdx:49",
       "retry_after is a positive integer number of seconds while the job is unfinished (impl: always "
       "sent; docs: when sent, get-run-status.mdx:144-145)."),
    _p("PRA-STA-010", "praisonai/get-run-status.mdx:53",
       "A failed job carries a non-empty error message."),
    _p("PRA-STA-011", "praisonai/get-run-status.mdx:135",
       "An unknown job_id is answered 404."),
    _p("PRA-STA-012", "praisonai/get-run-status.mdx:108",
       "Timestamps are in UTC (Z or +00:00), as every example shows (the pages say only ISO 8601).",
       level=ADVISORY),
    _p("PRA-STA-013", "praisonai/get-run-status.mdx:37",
       "created_at <= started_at <= completed_at."),
    _p("PRA-STA-014", "praisonai/index.mdx:86",
       "Status moves queued -> running -> succeeded|failed|cancelled, or queued -> cancelled; a "
       "finished status never changes."),
    _p("PRA-STA-015", "praisonai/get-run-status.mdx:29",
       "progress.percentage never goes back while the job runs (a page calls it the completion "
       "percentage; none says it cannot go back).", level=ADVISORY),
    _p("PRA-STA-016I", _PJ + "models.py:145",
       "The status object has every key in every state, null when unset: job_id, status, progress "
       "(percentage, current_step, steps_completed, steps_total), created_at, started_at, "
       "completed_at, agent_id, run_id, session_id, error, retry_after; started_at is null while "
       "queued, retry_after null once finished (models.py:244-248).", IMPL),
    _p("PRA-STA-017", "praisonai/delete-run.mdx:9",
       "A job_id handed out by submit stays answerable (its status is 200) until the job is deleted "
       "(4.7.19 also drops finished jobs after 24 h or beyond 1000 stored: store.py:187, "
       "executor.py:144)."),
    # ---- PraisonAI: result ----------------------------------------------------------------------
    _p("PRA-RES-001", "praisonai/get-run-result.mdx:15",
       "The result of a succeeded job is 200 with job_id, status succeeded, result, duration_seconds, "
       "created_at and completed_at."),
    _p("PRA-RES-002D", "praisonai/get-run-result.mdx:84",
       "Asking for the result of an unfinished job is answered 400.", DOCS),
    _p("PRA-RES-002I", _PJ + "router.py:215",
       "Asking for the result of an unfinished job is answered 409.", IMPL),
    _p("PRA-RES-003D", "praisonai/get-run-result.mdx:90",
       "The result of a failed job is answered 400 with detail and the job's error.", DOCS),
    _p("PRA-RES-003I", _PJ + "router.py:221",
       "The result of a failed or cancelled job is answered 200 with its final status (and error).",
       IMPL),
    _p("PRA-RES-004", "praisonai/get-run-result.mdx:97",
       "The result of an unknown job is answered 404."),
    _p("PRA-RES-005", "praisonai/get-run-result.mdx:25",
       "result holds what the run produced."),
    # ---- PraisonAI: cancel ----------------------------------------------------------------------
    _p("PRA-CAN-001D", "praisonai/cancel-run.mdx:17",
       "Cancelling a queued or running job is answered 200 with job_id, status cancelled and "
       "cancelled_at.", DOCS),
    _p("PRA-CAN-001I", _PJ + "router.py:223",
       "Cancelling a queued or running job is answered 200 with the job's status object, status "
       "cancelled.", IMPL),
    _p("PRA-CAN-002D", "praisonai/cancel-run.mdx:84",
       "Cancelling a finished job is answered 400.", DOCS),
    _p("PRA-CAN-002I", _PJ + "router.py:234",
       "Cancelling a finished job is answered 409.", IMPL),
    _p("PRA-CAN-003", "praisonai/cancel-run.mdx:73",
       "Cancelling an unknown job is answered 404."),
    _p("PRA-CAN-004", "praisonai/cancel-run.mdx:82",
       "A job cancelled while queued never starts."),
    _p("PRA-CAN-005", "praisonai/cancel-run.mdx:83",
       "A cancelled job stays cancelled (it never succeeds or fails afterwards)."),
    # ---- PraisonAI: delete ----------------------------------------------------------------------
    _p("PRA-DEL-001", "praisonai/delete-run.mdx:17",
       "Deleting a finished job is answered 204 with an empty body; the job is gone (404) afterwards."),
    _p("PRA-DEL-002D", "praisonai/delete-run.mdx:102",
       "Deleting a queued or running job is answered 400 and the job stays.", DOCS),
    _p("PRA-DEL-002I", _PJ + "router.py:259",
       "Deleting a queued or running job is answered 409 and the job stays.", IMPL),
    _p("PRA-DEL-003", "praisonai/delete-run.mdx:56",
       "Deleting an unknown job is answered 404."),
    _p("PRA-DEL-004", "praisonai/delete-run.mdx:66",
       "A cancelled job can be deleted at once."),
    # ---- PraisonAI: list ------------------------------------------------------------------------
    _p("PRA-LST-001", "praisonai/list-runs.mdx:29",
       "The list answer has jobs, total, page and page_size."),
    _p("PRA-LST-002", "praisonai/list-runs.mdx:47",
       "Each listed job has job_id, status and created_at."),
    _p("PRA-LST-003", "praisonai/list-runs.mdx:11",
       "The status filter returns only jobs in that status, and total counts exactly those."),
    _p("PRA-LST-004", "praisonai/list-runs.mdx:15",
       "The session_id filter returns exactly the jobs submitted with that session_id."),
    _p("PRA-LST-005", "praisonai/list-runs.mdx:19",
       "page and page_size paginate: pages hold at most page_size jobs and together list every "
       "matching job once; defaults are page 1 and page_size 20."),
    _p("PRA-LST-006D", "praisonai/list-runs.mdx:142",
       "page_size above 100 (or below 1), when refused, is refused with 400.", DOCS),
    _p("PRA-LST-006I", _PJ + "router.py:157",
       "page_size above 100 (or below 1) is rejected with 422.", IMPL),
    _p("PRA-LST-007", "praisonai/list-runs.mdx:12",
       "An unknown status filter value is rejected with 400 (docs: or matches no job, list-runs.mdx:11-13)."),
    _p("PRA-LST-008D", "praisonai/list-runs.mdx:23",
       "page_size outside 1..100 is refused rather than clamped (the page gives the maximum, not what "
       "happens past it).", DOCS, level=ADVISORY),
    # ---- PraisonAI: stream ----------------------------------------------------------------------
    _p("PRA-SSE-001", "praisonai/stream-run.mdx:22",
       "The stream is served as text/event-stream."),
    _p("PRA-SSE-002D", "praisonai/stream-run.mdx:33",
       "Each event is a data line with a JSON object {event, data}; the terminal event is 'complete' "
       "with status and job_id, followed by 'data: [DONE]'.", DOCS),
    _p("PRA-SSE-002I", _PJ + "router.py:306",
       "Events are SSE events named status, progress and, at the end, one of result, error or "
       "cancelled.", IMPL),
    _p("PRA-SSE-003", "praisonai/stream-run.mdx:177",
       "The stream ends after exactly one terminal event, which agrees with the status endpoint."),
    _p("PRA-SSE-004", "praisonai/stream-run.mdx:171",
       "Streaming an unknown job is answered 404."),
    _p("PRA-SSE-005D", "praisonai/stream-run.mdx:172",
       "Streaming a job that already finished is answered 400.", DOCS),
    _p("PRA-SSE-005I", _PJ + "router.py:323",
       "Streaming a finished job answers its status and terminal event at once, then ends.", IMPL),
    _p("PRA-SSE-006", "praisonai/stream-run.mdx:28",
       "Progress events carry a percentage in 0..100."),
    _p("PRA-SSE-007", "praisonai/stream-run.mdx:28",
       "The percentage of progress events never goes back (no page says so).", level=ADVISORY),
    # ---- PraisonAI: health and stats ------------------------------------------------------------
    _p("PRA-HLT-001", "praisonai/health.mdx:13",
       "GET /health is answered 200 with status 'healthy'."),
    _p("PRA-STS-001D", "praisonai/stats.mdx:13",
       "GET /stats answers total_jobs and by_status counts.", DOCS),
    _p("PRA-STS-002D", "praisonai/stats.mdx:14",
       "total_jobs counts every submitted job (it grows by one per submit), and by_status agrees with "
       "the jobs' statuses.", DOCS),
    _p("PRA-STS-001I", _PJ + "server.py:207",
       "GET /stats answers an executor object with running_jobs and max_concurrent, or (as every 4.7.19 "
       "server does: server.py:215 returns an un-awaited coroutine) a bare 500.", IMPL),
    # ---- PraisonAI: errors ----------------------------------------------------------------------
    _p("PRA-ERR-001", "praisonai/cancel-run.mdx:126",
       "No input, valid or not, is answered with a 5xx (impl: except GET /stats, see PRA-STS-001I)."),
    _p("PRA-ERR-002", "praisonai/get-run-status.mdx:135",
       "Error answers are JSON objects with a detail field."),
    _p("PRA-ERR-003", "praisonai/get-run-status.mdx:137",
       "The 404 detail reads 'Job not found: <id>', as every page's example shows (an example's "
       "wording, not an obligation).", level=ADVISORY),
    # ---- Both: the OpenAPI documents ------------------------------------------------------------
    Clause("KIN-OAS-001", KIN, "schemas/openapi/kinetica.json",
           "Every answer's status code and content type are documented, and its body matches the "
           "schema for that status."),
    Clause("KIN-OAS-002", KIN, "schemas/openapi/kinetica.json",
           "Input that violates the request schema is refused rather than accepted (no page promises an "
           "error for every such input: an implementation may be lenient).", level=ADVISORY),
    Clause("PRA-OAS-001", PRA, "schemas/openapi/praisonai.json",
           "Every answer's status code and content type are documented, and its body matches the "
           "schema for that status."),
    Clause("PRA-OAS-002", PRA, "schemas/openapi/praisonai.json",
           "Input that violates the request schema is refused rather than accepted (where no page "
           "promises an error for it, an implementation may be lenient).", level=ADVISORY),
)

BY_ID: dict[str, Clause] = {c.id: c for c in CLAUSES}


def clauses_for(api: str, profile: str = "impl") -> list[Clause]:
    return [c for c in CLAUSES if c.api == api and c.applies_to(profile)]


def families(api: str | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for c in CLAUSES:
        if api is None or c.api == api:
            seen.setdefault(c.family, None)
    return list(seen)


"""The catalog of latitudes: the choices the pages (and, for `impl`, the reference) leave open.

The suite asserts clauses only; a latitude is something it must pass whichever way a target decides.
Each entry names where the contract leaves it open and the choices known to be allowed, the mock's
default first. The mock can take every choice of the latitudes in `mockserver.runtime.LATITUDES`
(`--vary ID=CHOICE`); the variation matrix (tests/contract/test_variation_matrix.py) runs the whole
suite under each of them. The others are recorded so that no test leans on them, and wait for a
rewrite in the mock.

Sources read as in `contract_tests.clauses`; statements in our own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contract_tests.clauses import BOTH, DOCS, IMPL, KIN, PRA

__all__ = ["LATITUDES", "Latitude", "latitudes_for"]


@dataclass(frozen=True)
class Latitude:
    id: str
    api: str
    source: str
    question: str
    choices: tuple[str, ...]  # the mock's default first
    profiles: frozenset[str] = field(default=BOTH)


def _k(lid: str, source: str, question: str, *choices: str) -> Latitude:
    return Latitude(lid, KIN, source, question, choices)


def _p(lid: str, source: str, question: str, *choices: str, profiles: frozenset[str] = BOTH) -> Latitude:
    return Latitude(lid, PRA, source, question, choices, profiles)


_GPUDB = "gpudb 7.2.3.13 gpudb.py"

LATITUDES: tuple[Latitude, ...] = (
    # ---- Kinetica --------------------------------------------------------------------------------
    _k("LAT-KIN-ERROR-STATUS", f"kinetica/execute_proc.md:111-121; {_GPUDB}:3236-3241, 8664-8720",
       "The HTTP status of an ERROR answer: the pages give none, and the client reads the wrapper under "
       "any status but 401, 404 and 500/502/503/504.", "400", "200", "422"),
    _k("LAT-KIN-JOB-RESPONSE", "kinetica/get_job.md:66, 90-96",
       "What job_response / job_response_str hold: the endpoint's response record, or its whole wrapper.",
       "record", "wrapper"),
    _k("LAT-KIN-JOB-ENCODING", "kinetica/get_job.md:83-88",
       "The encoding a job answers in: response_encoding says which, and nothing ties it to the request's.",
       "as-submitted", "json"),
    _k("LAT-KIN-OPTION-VALUES", "kinetica/execute_proc.md:93-96; show_proc_status.md:35-38; kill_proc.md:38-41",
       "An option value outside its documented list: refused, or ignored.", "refuse", "ignore"),
    _k("LAT-KIN-SEGMENTS", "kinetica/show_proc_status.md:12-14, 113-118",
       "How many data segments a distributed run has, and their ids.", "4", "1", "7"),
    _k("LAT-KIN-RUN-ID", "kinetica/execute_proc.md:131", "The format of run ids (a string).",
       "sequence", "uuid"),
    _k("LAT-KIN-JOB-ID", "kinetica/get_job.md:18", "The values of job ids (a long).", "sequence", "large"),
    _k("LAT-KIN-MESSAGES", "kinetica/execute_proc.md:115-117", "The wording of error messages.",
       "mock", "reworded"),
    _k("LAT-KIN-INFO", "kinetica/execute_proc.md:135; kill_proc.md:74; show_proc_status.md:151; get_job.md:108",
       "What the `info` maps (\"additional information\") carry.", "empty", "extra"),
    _k("LAT-KIN-KEY-ORDER", "kinetica/execute_proc.md:127", "The order of keys in JSON objects.",
       "record", "reversed"),
    _k("LAT-KIN-ROLLUP", "kinetica/show_proc_status.md:101-108",
       "Which overall status shows while segments disagree (error while others run, killed over error).",
       "finished-first", "error-early"),
    _k("LAT-KIN-KILL-SETTLE", "kinetica/kill_proc.md:11, 70",
       "Whether a kill shows at once or once the instance's processes have stopped.", "at-once", "after-a-moment"),
    _k("LAT-KIN-KILL-QUEUED-SEGMENTS", "kinetica/show_proc_status.md:106-108",
       "What the not-yet-started segments of a killed run report.", "killed", "none"),
    _k("LAT-KIN-JOB-ERROR-PAYLOAD", "kinetica/get_job.md:67, 91, 95",
       "Whether an ERROR or CANCELLED job carries what its endpoint answered.", "empty", "filled"),
    _k("LAT-KIN-JOB-PROGRESS", "kinetica/get_job.md:75",
       "How \"approximate\" progress moves (it may go back: an advisory, KIN-JOB-012).", "monotone", "any"),
    _k("LAT-KIN-TYPE-LENIENCY", "kinetica/execute_proc.md (no page speaks of it)",
       "Wrongly typed JSON fields: refused, or coerced (an advisory, KIN-OAS-002).", "refuse", "coerce"),
    _k("LAT-KIN-OK-STATUS", f"kinetica/execute_proc.md:111-121; {_GPUDB}:8664-8688",
       "The HTTP status of an OK answer: the pages give none and the client does not look at it (an advisory, "
       "A6).", "200", "201"),
    _k("LAT-KIN-JOB-ENCODING-BEFORE-DONE", "kinetica/get_job.md:83-96",
       "What response_encoding says while a job is not DONE (running, ERROR or CANCELLED).",
       "eventual", "empty", "other-value"),
    _k("LAT-KIN-JOB-EARLY-REFUSAL", "kinetica/get_job.md:67 (/create/job has no page)",
       "Whether /create/job checks the inner request at once or takes it and lets the job end in ERROR.",
       "accept-then-error", "refuse-at-once"),
    _k("LAT-KIN-JOB-FAILED-INNER", "kinetica/get_job.md:66-67",
       "Whether a job whose endpoint answers ERROR ends in ERROR, or ends DONE holding that ERROR answer.",
       "error", "done-with-error"),
    _k("LAT-KIN-JOB-RUNNING-CANCELLED", "kinetica/get_job.md:68, 72",
       "Whether a CANCELLED job may still report running while its endpoint has not stopped.",
       "stopped", "still-running"),
    _k("LAT-KIN-KILL-QUEUED", "kinetica/kill_proc.md:16",
       "Whether a kill without run_id also kills instances none of whose segments has started yet.",
       "killed", "left-queued"),
    _k("LAT-KIN-CLEAR-SCOPE", "kinetica/show_proc_status.md:31",
       "Whether clear_complete under a run_id or run_tag filter clears only the instances it returns or every "
       "completed one.", "selected", "all-completed"),
    _k("LAT-KIN-STATUS-CONTENT", "kinetica/show_proc_status.md:121-149",
       "When a segment's messages, results, timings and output streams are filled in, and with which keys.",
       "at-finish", "any-time"),
    _k("LAT-KIN-ECHO", "kinetica/show_proc_status.md:77-99; execute_proc.md:19, 41, 47, 53",
       "How the status echoes the run's parameters: a nondistributed proc's ignored tables, options with "
       "defaults added.", "normalised", "as-passed", "with-defaults"),
    _k("LAT-KIN-STRAY-COLUMNS", "kinetica/execute_proc.md:47",
       "An input_column_names key naming a table missing from input_table_names: refused, or ignored.",
       "refuse", "ignore"),
    _k("LAT-KIN-CONTENT-TYPE", f"kinetica/execute_proc.md (no page speaks of it); {_GPUDB}:8661-8688",
       "The Content-Type header of answers, which the client never reads (it decodes by the request's "
       "encoding).", "declared", "other"),
    _k("LAT-KIN-STARTUP-RUN", "kinetica/execute_proc.md:88-91",
       "Where and in what form /show/proc gives an auto-start run's id, and how the status shows that run "
       "before a restart.", "option-key", "other-field", "list", "listed-none"),
    _k("LAT-KIN-DELETE-PROC-RUNS", "kinetica (no page speaks of /delete/proc)",
       "What becomes of the runs of a proc that is deleted.", "killed-kept", "left-running", "forgotten"),
    _k("LAT-KIN-RETENTION", "kinetica/show_proc_status.md:19",
       "Whether statuses of finished instances may expire before any clear_complete.", "until-cleared", "expired"),
    _k("LAT-KIN-MAX-OUTPUT-RANGE", "kinetica/execute_proc.md:82-86",
       "What a max_output_lines of 0, below 0 or very large does (no type or range is given).",
       "zero-none", "zero-unlimited", "refuse-zero", "ignore-negative"),
    _k("LAT-KIN-CLEAR-STARTUP-SCOPE", "kinetica/kill_proc.md:33-35, 70-71",
       "What clear_execute_at_startup clears without a run_id, and whether the cleared ids come back in run_ids.",
       "all-listed", "none", "not-listed"),
    _k("LAT-KIN-JOB-TAG-LOOKUP", "kinetica/get_job.md:28-30",
       "Which one names the job when get_job is given a job_tag option that disagrees with the job_id.",
       "tag-wins", "both-must-match", "id-wins"),
    # ---- PraisonAI -------------------------------------------------------------------------------
    _p("LAT-PRA-RETRY-AFTER", "praisonai/get-run-status.mdx:49-51, 144-145; submit-run.mdx:82",
       "The seconds retry_after and Retry-After suggest.", "reference", "1", "30"),
    _p("LAT-PRA-JOB-ID", "praisonai/submit-run.mdx:57-58", "The format of job ids (e.g. run_abc123).",
       "run_hex", "uuid"),
    _p("LAT-PRA-MESSAGES", "praisonai/get-run-status.mdx:135-138 (an example)",
       "The wording of `detail` messages (the 404's is an advisory, PRA-ERR-003).", "mock", "reworded"),
    _p("LAT-PRA-KEY-ORDER", "praisonai/get-run-status.mdx:99-133", "The order of keys in JSON objects.",
       "model", "reversed"),
    _p("LAT-PRA-RETRY-AFTER-ABSENT", "praisonai/get-run-status.mdx:144-145",
       "Whether retry_after is sent at all (the page tells clients what to do without it).",
       "sent", "absent", profiles=DOCS),
    _p("LAT-PRA-NULL-OR-ABSENT", "praisonai/get-run-status.mdx:25-55; list-runs.mdx:128",
       "Whether an unset optional field is left out or null.", "absent", "null", profiles=DOCS),
    _p("LAT-PRA-TIMESTAMP", "praisonai/get-run-status.mdx:37-47",
       "The form of ISO 8601 timestamps (fraction, offset; UTC is an advisory, PRA-STA-012).",
       "seconds-Z", "micro-offset"),
    _p("LAT-PRA-PROGRESS", "praisonai/get-run-status.mdx:29-33; stream-run.mdx:28",
       "How progress moves and how often it is reported (going back is an advisory).", "monotone", "any"),
    _p("LAT-PRA-CANCEL-SETTLE", "praisonai/cancel-run.mdx:83",
       "Whether a cancelled running job shows cancelled at once or after \"a moment\" (in every view: "
       "status, listing, stream; the mock cannot vary this one yet).",
       "at-once", "after-a-moment", profiles=DOCS),
    _p("LAT-PRA-PAGE-SIZE", "praisonai/list-runs.mdx:23-25, 142",
       "page_size outside 1..100: refused with 400, or clamped (an advisory, PRA-LST-008D).",
       "refuse", "clamp", profiles=DOCS),
    _p("LAT-PRA-UNKNOWN-FIELDS", "praisonai/submit-run.mdx:19-49",
       "Body fields no page documents (such as config): ignored or refused.", "ignore", "refuse", profiles=DOCS),
    _p("LAT-PRA-TIMEOUT-OUTCOME", "praisonai/submit-run.mdx:39-41; get-run-status.mdx:128",
       "How a timed-out run ends and what its error says (an advisory under docs, PRA-SUB-009D).",
       "failed-timed-out", "other", profiles=DOCS),
    _p("LAT-PRA-SSE-FRAMING", "praisonai/stream-run.mdx:22-43, 178",
       "Extra SSE fields: `event:` lines naming the event, `id:`, comments as keep-alives.",
       "data-only", "named", profiles=DOCS),
    _p("LAT-PRA-LIST-ORDER", "praisonai/list-runs.mdx:9", "The order of the listed jobs.",
       "newest-first", "oldest-first"),
    _p("LAT-PRA-RETENTION", "praisonai/get-run-status.mdx (silent); praisonai 4.7.19 jobs/store.py:186-207",
       "How long finished jobs stay answerable (the reference evicts past 1000 and after 24 h).",
       "until-deleted", "evicted"),
    _p("LAT-PRA-EXTRA-KEYS", "praisonai/get-run-status.mdx:17-55; stats.mdx:17-39; "
       "praisonai 4.7.19 jobs/models.py:145-171",
       "Whether answers may carry keys beyond those the pages list (the pages forbid none).",
       "reference", "extra"),
    _p("LAT-PRA-PROGRESS-OUTSIDE-RUNNING", "praisonai/get-run-status.mdx:25-27",
       "What progress a job that is not running shows: none, null, or an object.",
       "absent", "null", "object", profiles=DOCS),
    _p("LAT-PRA-STARTED-AT-ON-FAILURE", "praisonai/get-run-status.mdx:41-43; submit-run.mdx:213",
       "Whether a job that fails before it ever starts has a started_at.", "set", "absent", profiles=DOCS),
    _p("LAT-PRA-INITIAL-STATUS", "praisonai/submit-run.mdx:61-62",
       "The status a submit answers with (\"typically\" queued).", "queued", "running"),
    _p("LAT-PRA-URL-FORM", "praisonai/submit-run.mdx:69-75, 81; praisonai 4.7.19 jobs/router.py:139-141",
       "Whether poll_url, stream_url and Location are absolute, relative, or carry a path prefix.",
       "absolute", "relative", "prefixed"),
    _p("LAT-PRA-IDEMPOTENCY-409-BODY", "praisonai/submit-run.mdx:161-167 (an example)",
       "What the 409 for a reused Idempotency-Key carries besides the example's fields and wording.",
       "example", "with-detail", "reworded", profiles=DOCS),
    _p("LAT-PRA-IDEMPOTENCY-SCOPE", "praisonai/submit-run.mdx:11-12, 170-189; "
       "praisonai 4.7.19 jobs/store.py:183-184, 215-219, 260-267",
       "Whether a reused key gives back its job whatever the new body says, and whether keys expire.",
       "same-job", "refuse-other-body", "expire"),
    _p("LAT-PRA-PROMPT-VALUES", "praisonai/submit-run.mdx:19-21, 208",
       "Which prompts count as invalid (empty, blank, very long) and with what code they are refused.",
       "blank-400", "accept", "422", profiles=DOCS),
    _p("LAT-PRA-TIMEOUT-RANGE", "praisonai/submit-run.mdx:39-41",
       "What a timeout of 0 or below does: taken (default, or an instant timeout), or refused.",
       "accept", "400", "422", profiles=DOCS),
    _p("LAT-PRA-WEBHOOK", "praisonai/submit-run.mdx:43-45, 193-202; "
       "praisonai 4.7.19 jobs/executor.py:280-281, 304-306",
       "After which end states a webhook goes out, how many tries it gets, and whether private targets are "
       "allowed.", "mock", "success-only", "success-and-failure", "every-terminal", "retried"),
    _p("LAT-PRA-RESULT-CANCELLED", "praisonai/get-run-result.mdx:9, 140-144",
       "How asking for a cancelled job's result is refused (the page names unfinished and failed jobs only).",
       "400", "409", "404", profiles=DOCS),
    _p("LAT-PRA-CANCEL-TIMESTAMPS", "praisonai/cancel-run.mdx:25-27; get-run-status.mdx:45-47",
       "Whether a cancelled job's cancelled_at is the same instant as its completed_at.",
       "equal", "differ", profiles=DOCS),
    _p("LAT-PRA-PAGE-BEYOND", "praisonai/list-runs.mdx:19-21",
       "How a page number past the last page is answered.", "empty", "400", "404", profiles=DOCS),
    _p("LAT-PRA-STATUS-FILTER", "praisonai/list-runs.mdx:11-13, 142",
       "A status filter outside the listed values (or empty): refused with 400, or an empty list.",
       "refuse", "empty-list", profiles=DOCS),
    _p("LAT-PRA-SSE-EVENTS", "praisonai/stream-run.mdx:26-31; praisonai 4.7.19 jobs/router.py:306-351",
       "How many log and progress events a stream sends, and how it keeps an idle stream alive.",
       "mock", "no-logs", "per-step"),
    _p("LAT-PRA-SSE-RECONNECT", "praisonai/stream-run.mdx:178",
       "Whether a reconnected stream replays the job's events from the start or goes on from now.",
       "from-now", "replay", profiles=DOCS),
    _p("LAT-PRA-STATS", "praisonai/stats.mdx:13-39, 53-55",
       "Whether by_status lists zero counts and still counts deleted jobs (so that it sums to total_jobs).",
       "all-kept", "zeros-absent", "deleted-dropped", profiles=DOCS),
    _p("LAT-PRA-AGENT-FILE", "praisonai/submit-run.mdx:23-25",
       "An agent_file that is missing or out of bounds: refused at submit, or taken and the job fails.",
       "refuse-400", "fail-job", profiles=DOCS),
    _p("LAT-PRA-FRAMEWORK", "praisonai/submit-run.mdx:35-37; praisonai 4.7.19 jobs/router.py:31-34",
       "An unknown framework name: taken (the default is used), or refused.", "accept", "refuse"),
    _p("LAT-PRA-DURATION", "praisonai/get-run-result.mdx:29-31; praisonai 4.7.19 jobs/models.py:229-235",
       "Whether duration_seconds is counted from the job's start or from its submission.",
       "from-start", "from-creation"),
    _p("LAT-PRA-ERROR-ON-CANCEL", "praisonai/get-run-status.mdx:53-55",
       "Whether a job that did not fail (cancelled, succeeded) carries an error text.", "unset", "message"),
    _p("LAT-PRA-RESULT-TYPE", "praisonai/get-run-result.mdx:25; praisonai 4.7.19 jobs/models.py:164",
       "The JSON type of a result for the reference (the pages say string; the reference takes any value).",
       "string", "any-json", profiles=IMPL),
)

BY_ID: dict[str, Latitude] = {lat.id: lat for lat in LATITUDES}


def latitudes_for(api: str, profile: str = "impl") -> list[Latitude]:
    return [lat for lat in LATITUDES if lat.api == api and profile in lat.profiles]

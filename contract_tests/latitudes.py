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

from contract_tests.clauses import BOTH, DOCS, KIN, PRA

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
)

BY_ID: dict[str, Latitude] = {lat.id: lat for lat in LATITUDES}


def latitudes_for(api: str, profile: str = "impl") -> list[Latitude]:
    return [lat for lat in LATITUDES if lat.api == api and profile in lat.profiles]

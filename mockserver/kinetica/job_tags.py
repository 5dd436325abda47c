"""Which job a /get/job request addresses: by its `job_tag` option when it has one (the job_id is
then ignored, 0 or -1 by convention), else by its `job_id`.

One map for every reader of jobs: the model (tags it handed out), and the proxy's observer and the
cassette replay, which learn each tag from the /create/job answers that passed (records as decoded
from the wire)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["JobTags"]


class JobTags(dict[str, int]):
    """job_tag -> job id."""

    def job_of(self, tag: str | None, job_id: int | None) -> int | None:
        """The job addressed: the tag's (None for a tag never handed out), or `job_id` without a tag."""
        return self.get(tag) if tag else job_id

    def created(self, request: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        """Note the tag of a job a /create/job answer created (its info's job_tag, else the request's)."""
        job_id = response.get("job_id")
        tag = (response.get("info") or {}).get("job_tag") or (request.get("options") or {}).get("job_tag")
        if isinstance(job_id, int) and tag:
            self[str(tag)] = job_id

    def addressed(self, request: Mapping[str, Any]) -> int | None:
        """The job a /get/job request record addresses; None for a tag never seen created."""
        job_id = request.get("job_id")
        return self.job_of(str((request.get("options") or {}).get("job_tag") or ""),
                           job_id if isinstance(job_id, int) else None)

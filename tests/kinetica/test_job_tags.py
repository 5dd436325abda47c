"""JobTags (mockserver/kinetica/job_tags.py): which job a /get/job request record addresses."""

from __future__ import annotations

from mockserver.kinetica.job_tags import JobTags


def test_a_tag_names_its_job_whatever_the_job_id_and_an_id_alone_names_itself() -> None:
    tags = JobTags()
    tags.created({"options": {}}, {"job_id": 7, "info": {"job_tag": "nightly"}})
    tags.created({"options": {"job_tag": "asked"}}, {"job_id": 8, "info": {}})   # the request's tag
    assert tags.addressed({"job_id": 0, "options": {"job_tag": "nightly"}}) == 7
    assert tags.addressed({"job_id": -1, "options": {"job_tag": "asked"}}) == 8
    assert tags.addressed({"job_id": 8, "options": {}}) == 8
    assert tags.addressed({"job_id": 0, "options": {"job_tag": "never-created"}}) is None

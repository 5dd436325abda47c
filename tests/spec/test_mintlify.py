from __future__ import annotations

import textwrap

import pytest

from mockserver.spec.mintlify import PageError, PageParser


def parse(text: str):
    return PageParser(textwrap.dedent(text).lstrip(), "page.mdx").parse()


MDX = """
---
title: "Get Thing"
description: "Fetch one thing"
api: "GET http://127.0.0.1:8005/things/{thing_id}"
---

<ParamField path="thing_id" type="string" required>
  The id (e.g., `t_1`).
</ParamField>

<ResponseField name="state" type="string" required>
  One of: `on`, `off`.
</ResponseField>

<ResponseField name="detail.size" type="integer">
  Size.
</ResponseField>

<ResponseExample>
```json 200 OK
{"state": "on"}
```
</ResponseExample>

## Error Responses

| Status | Description |
|--------|-------------|
| `404`  | Not found   |
"""


def test_mdx_front_matter_fields_examples_and_tables() -> None:
    page = parse(MDX)
    assert page.title == "Get Thing" and page.summary == "Fetch one thing"
    op = page.operation()
    assert (op.method, op.path, op.server) == ("GET", "/things/{thing_id}", "http://127.0.0.1:8005")
    assert [(f.name, f.location, f.required) for f in page.params("path")] == [("thing_id", "path", True)]
    assert [f.name for f in page.response_fields] == ["state", "detail.size"]
    [example] = page.examples("ResponseExample")
    assert (example.lang, example.label, example.text) == ("json", "200 OK", '{"state": "on"}')
    assert page.table("Error Responses").rows == [["`404`", "Not found"]]


def test_rendered_form_takes_the_path_from_curl_and_restores_the_template() -> None:
    rendered = """
    > ## Documentation Index

    # Get Thing

    > Fetch one thing

    <ParamField path="thing_id" type="string" required>
      The id (e.g., `t_1`).
    </ParamField>

    <RequestExample>
      ```bash cURL theme={"theme":{"light":"a","dark":"b"}}
      curl http://127.0.0.1:8005/things/t_1
      ```
    </RequestExample>
    """
    page = parse(rendered)
    assert page.title == "Get Thing" and page.summary == "Fetch one thing"
    [block] = page.examples("RequestExample")
    assert block.label == "cURL" and block.text == "curl http://127.0.0.1:8005/things/t_1"
    assert (page.operation().method, page.operation().path) == ("GET", "/things/{thing_id}")


def test_kinetica_url_block_and_nested_expandable_keys() -> None:
    page = parse("""
    # /do/thing

    ```
    URL: http://<db.host>:<db.port>/do/thing
    ```

    <ParamField body="options" type="map of string to strings">
      Optional parameters.

      <Expandable title="options">
        <ParamField body="run_tag">
          A tag.
        </ParamField>
      </Expandable>
    </ParamField>
    """)
    assert (page.operation().method, page.operation().path) == ("POST", "/do/thing")
    [options] = page.params("body")
    assert options.description == "Optional parameters."
    assert [(c.name, c.type, c.description) for c in options.children] == [("run_tag", None, "A tag.")]


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("# T\n\n<Accordion title=\"x\">\n</Accordion>\n", 3, "unknown component <Accordion>"),
    ("# T\n\n<ParamField body=\"a\" kind=\"x\">\n</ParamField>\n", 3, "unknown attribute 'kind'"),
    ("# T\n\n<ParamField body=\"a\" type=\"string\">\n", 3, "<ParamField> is never closed"),
    ("# T\n\ntext with <Tooltip tip=\"x\">inline</Tooltip>\n", 3, "unknown page construct"),
    ("# T\n\n<ParamField type=\"string\">\n</ParamField>\n", 3, "exactly one of body="),
    ("# T\n\n</Expandable>\n", 3, "does not close anything open"),
    ("# T\n\n```json\n{}\n", 3, "code block is never closed"),
])
def test_unknown_or_broken_constructs_fail_with_file_and_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(PageError) as caught:
        PageParser(text, "docs/x.md").parse()
    assert caught.value.file == "docs/x.md" and caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"docs/x.md:{line}: ")

"""Read a Mintlify documentation page, in either form, into a small tree.

Two forms reach us: the `.mdx` sources (YAML front matter, components at column 0) and the rendered
`.md` the site serves (no front matter, a `# Title` heading, code fences indented inside components
and carrying a `theme={...}` attribute). Both are line-oriented: every component tag stands on a line
of its own. Anything that looks like a component we do not know, or an attribute we do not expect,
stops the generator with the file and line, so a new construct in the docs is never skipped silently.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml


class PageError(ValueError):
    """A construct the generator does not understand, with where it is."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file, self.line, self.reason = file, line, reason


# Component name -> the attributes it may carry. Prose-only components are kept but not interpreted.
COMPONENTS: dict[str, frozenset[str]] = {
    "ParamField": frozenset({"body", "path", "query", "header", "type", "required", "default"}),
    "ResponseField": frozenset({"name", "type", "required", "default"}),
    "Expandable": frozenset({"title"}),
    "RequestExample": frozenset(),
    "ResponseExample": frozenset(),
    "Note": frozenset(),
    "CardGroup": frozenset({"cols"}),
    "Card": frozenset({"title", "icon", "href"}),
}
PARAM_LOCATIONS = ("body", "path", "query", "header")

_OPEN = re.compile(r"^\s*<([A-Z]\w*)((?:\s+[^<>]*?)?)\s*(/?)>\s*$")
_CLOSE = re.compile(r"^\s*</([A-Z]\w*)>\s*$")
_STRAY_TAG = re.compile(r"</?[A-Z]\w*[\s/>]")
_ATTR = re.compile(r'\s*([A-Za-z_][\w-]*)(?:=(?:"([^"]*)"|\{([^}]*)\}))?')
_FENCE = re.compile(r"^(\s*)```(.*)$")
_THEME = re.compile(r"\s*theme=\{.*\}\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


@dataclass
class Field:
    """A `<ParamField>` or `<ResponseField>`, with the fields of its `<Expandable>` blocks as children."""

    component: str
    name: str
    location: str | None  # body/path/query/header for a ParamField; None for a ResponseField
    type: str | None
    required: bool
    default: str | None
    line: int
    description: str = ""
    children: list[Field] = field(default_factory=list)


@dataclass
class CodeBlock:
    lang: str
    label: str  # what follows the language on the fence, e.g. "200 OK (Running)" or "cURL"
    text: str
    line: int
    container: str | None  # "RequestExample", "ResponseExample", or None for a loose block
    heading: str  # the nearest heading above it


@dataclass
class Table:
    heading: str
    header: list[str]
    rows: list[list[str]]
    line: int


@dataclass
class Operation:
    method: str
    path: str
    server: str  # scheme://host:port of the documented URL, for OpenAPI's servers


@dataclass
class Page:
    file: str  # path relative to the docs folder, as given in error messages and sources
    front_matter: dict[str, Any]
    title: str
    summary: str
    fields: list[Field]
    code_blocks: list[CodeBlock]
    tables: list[Table]

    def params(self, location: str) -> list[Field]:
        return [f for f in self.fields if f.component == "ParamField" and f.location == location]

    @property
    def response_fields(self) -> list[Field]:
        return [f for f in self.fields if f.component == "ResponseField"]

    def examples(self, container: str) -> list[CodeBlock]:
        return [b for b in self.code_blocks if b.container == container]

    def table(self, heading: str) -> Table | None:
        return next((t for t in self.tables if t.heading == heading), None)

    def operation(self) -> Operation:
        """Method and path: from front matter `api:`, else a `URL:` block, else the first curl example."""
        if api := self.front_matter.get("api"):
            method, _, url = str(api).partition(" ")
            return _operation(method, url)
        for block in self.code_blocks:
            if block.text.startswith("URL:"):
                # Kinetica's reference pages show only the URL; every Kinetica endpoint is a POST.
                return _operation("POST", block.text.removeprefix("URL:").strip())
        for block in self.code_blocks:
            if block.lang == "bash" and block.text.lstrip().startswith("curl"):
                return self._templated(_curl_operation(block.text))
        raise PageError(self.file, 1, "no operation found: no `api:` front matter, `URL:` block or curl example")

    def _templated(self, operation: Operation) -> Operation:
        """Put `{name}` back where a curl example shows a path parameter's example value."""
        segments = operation.path.split("/")
        for param in self.params("path"):
            example = re.search(r"e\.g\.,?\s*`([^`]+)`", param.description)
            if example and example.group(1) in segments:
                segments[segments.index(example.group(1))] = "{" + param.name + "}"
            else:
                raise PageError(self.file, param.line, f"path parameter {param.name!r} not found in the curl URL")
        operation.path = "/".join(segments)
        return operation


def _operation(method: str, url: str) -> Operation:
    parts = urlsplit(url.strip())
    return Operation(method.strip().upper(), parts.path, f"{parts.scheme}://{parts.netloc}")


def _curl_operation(command: str) -> Operation:
    words = shlex.split(command.split("\n\n")[0].replace("\\\n", " "), comments=True)
    method, url = None, None
    for i, word in enumerate(words):
        if word == "-X":
            method = words[i + 1]
        elif word in ("-d", "--data") and method is None:
            method = "POST"
        elif word.startswith("http"):
            url = url or word
    if url is None:
        raise ValueError(f"curl example without a URL: {command!r}")
    return _operation(method or "GET", url)


def parse_page(path: Path, docs_root: Path) -> Page:
    return PageParser(path.read_text(encoding="utf-8"), path.relative_to(docs_root).as_posix()).parse()


class PageParser:
    def __init__(self, text: str, file: str) -> None:
        self.lines = text.splitlines()
        self.file = file
        self.front_matter: dict[str, Any] = {}
        self.title = ""
        self.summary = ""
        self.fields: list[Field] = []
        self.code_blocks: list[CodeBlock] = []
        self.tables: list[Table] = []
        self.heading = ""
        self.intro: list[str] = []  # the first paragraph under the title
        self.summary_done = False

    def error(self, index: int, reason: str) -> PageError:
        return PageError(self.file, index + 1, reason)

    def parse(self) -> Page:
        start = self._front_matter()
        self.title = str(self.front_matter.get("title", ""))
        self.summary = str(self.front_matter.get("description", ""))
        # Each open component: (name, the Field it builds or None, its description lines).
        stack: list[tuple[str, Field | None, list[str], int]] = []
        i = start
        while i < len(self.lines):
            line = self.lines[i]
            if fence := _FENCE.match(line):
                i = self._code_block(i, fence, stack[-1][0] if stack else None)
                continue
            if opened := _OPEN.match(line):
                name, attrs = opened.group(1), self._attributes(i, opened.group(1), opened.group(2))
                built = self._field(i, name, attrs) if name in ("ParamField", "ResponseField") else None
                if not opened.group(3):  # not self-closing
                    stack.append((name, built, [], i))
                elif built is not None:
                    self._attach(stack, built)
            elif closed := _CLOSE.match(line):
                if not stack or stack[-1][0] != closed.group(1):
                    expected = f"</{stack[-1][0]}>" if stack else "no closing tag"
                    raise self.error(i, f"</{closed.group(1)}> does not close anything open (expected {expected})")
                name, built, description, _ = stack.pop()
                if built is not None:
                    built.description = textwrap.dedent("\n".join(description)).strip()
                    self._attach(stack, built)
            elif _STRAY_TAG.search(line):
                raise self.error(i, f"unknown page construct: {line.strip()!r}")
            else:
                self._text(i, line, stack)
            i += 1
        if stack:
            name, _, _, opened_at = stack[-1]
            raise self.error(opened_at, f"<{name}> is never closed")
        return Page(self.file, self.front_matter, self.title, self.summary or " ".join(self.intro), self.fields,
                    self.code_blocks, self.tables)

    def _front_matter(self) -> int:
        if not self.lines or self.lines[0].strip() != "---":
            return 0
        for end in range(1, len(self.lines)):
            if self.lines[end].strip() == "---":
                loaded = yaml.safe_load("\n".join(self.lines[1:end])) or {}
                if not isinstance(loaded, dict):
                    raise self.error(0, "front matter is not a mapping")
                self.front_matter = loaded
                return end + 1
        raise self.error(0, "front matter is never closed")

    def _attributes(self, index: int, name: str, raw: str) -> dict[str, str | bool]:
        if name not in COMPONENTS:
            raise self.error(index, f"unknown component <{name}>")
        attrs: dict[str, str | bool] = {}
        rest = raw
        while rest.strip():
            match = _ATTR.match(rest)
            if not match or match.end() == 0:
                raise self.error(index, f"cannot read the attributes of <{name}>: {raw.strip()!r}")
            key = match.group(1)
            if key not in COMPONENTS[name]:
                raise self.error(index, f"unknown attribute {key!r} on <{name}>")
            value = match.group(2) if match.group(2) is not None else match.group(3)
            attrs[key] = True if value is None else value
            rest = rest[match.end():]
        return attrs

    def _field(self, index: int, component: str, attrs: dict[str, str | bool]) -> Field:
        if component == "ParamField":
            locations = [loc for loc in PARAM_LOCATIONS if loc in attrs]
            if len(locations) != 1:
                raise self.error(index, "a <ParamField> needs exactly one of body=, path=, query=, header=")
            location: str | None = locations[0]
            name: str | bool | None = attrs[locations[0]]
        else:
            location, name = None, attrs.get("name")
        if not isinstance(name, str) or not name:
            raise self.error(index, f"<{component}> without a name")
        kind = attrs.get("type")
        default = attrs.get("default")
        return Field(component, name, location, kind if isinstance(kind, str) else None,
                     attrs.get("required") is True, default if isinstance(default, str) else None, index + 1)

    def _attach(self, stack: list[tuple[str, Field | None, list[str], int]], built: Field) -> None:
        parent = next((entry[1] for entry in reversed(stack) if entry[1] is not None), None)
        (parent.children if parent is not None else self.fields).append(built)

    def _code_block(self, index: int, fence: re.Match[str], container: str | None) -> int:
        indent, info = fence.group(1), _THEME.sub("", fence.group(2)).strip()
        lang, _, label = info.partition(" ")
        body: list[str] = []
        for end in range(index + 1, len(self.lines)):
            if self.lines[end].strip() == "```":
                text = textwrap.dedent("\n".join(line.removeprefix(indent) for line in body))
                self.code_blocks.append(CodeBlock(lang, label.strip(), text.strip("\n"), index + 1,
                                                  container, self.heading))
                return end + 1
            body.append(self.lines[end])
        raise self.error(index, "code block is never closed")

    def _text(self, index: int, line: str, stack: list[tuple[str, Field | None, list[str], int]]) -> None:
        if stack:
            if stack[-1][1] is not None:
                stack[-1][2].append(line)
            return
        if heading := _HEADING.match(line):
            self.heading = heading.group(2)
            if heading.group(1) == "#" and not self.title:
                self.title = self.heading
            return
        stripped = line.strip()
        if stripped.startswith("> ") and self.title and not self.summary:
            self.summary = stripped[2:].strip()  # the rendered form puts the description under the title
        elif stripped and self.title and self.heading == self.title and not self.summary_done:
            self.intro.append(stripped)
        elif not stripped and self.intro:
            self.summary_done = True
        if stripped.startswith("|"):
            self._table_row(index, stripped)

    def _table_row(self, index: int, row: str) -> None:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            return  # the separator under the header
        last = self.tables[-1] if self.tables else None
        if last is not None and last.line + len(last.rows) + 2 == index + 1:
            last.rows.append(cells)
        else:
            self.tables.append(Table(self.heading, cells, [], index + 1))

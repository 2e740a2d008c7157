"""Generate the reference pages of cardgen's own site: CLI help, JSON Schemas, example cards.

It writes only generated pages under `site/reference/` and `site/examples/` (or checks that
they are current); hand-written pages in `site/` are never touched.

Usage:
    python -m cardgen._docs          # regenerate
    python -m cardgen._docs --check  # exit 1 if a generated page is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import click

from ._io import atomic_write_text
from .render.filters import inline

ROOT = Path(__file__).resolve().parent.parent
HELP_WIDTH = 88


def _commands(
    command: click.Command, context: click.Context
) -> list[tuple[click.Command, click.Context]]:
    found = [(command, context)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            sub = command.commands[name]
            found += _commands(
                sub, click.Context(sub, info_name=name, parent=context, **sub.context_settings)
            )
    return found


def cli_reference() -> str:
    """The CLI reference: every command's `--help`, as printed at a fixed width."""
    from .cli import cli

    lines = [
        "# CLI reference",
        "",
        "Generated from `cardgen --help` by `python -m cardgen._docs`; do not edit.",
        "",
    ]
    settings = {
        **cli.context_settings,
        "terminal_width": HELP_WIDTH,
        "max_content_width": HELP_WIDTH,
    }
    root = click.Context(cli, info_name="cardgen", **settings)
    for command, context in _commands(cli, root):
        text = command.get_help(context).replace("\r", "")
        lines += [f"## {context.command_path}", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(lines)


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"mapping to {_type(schema['additionalProperties'])}"
    return str(kind)


def _text(description: object) -> str:
    """A schema description (our own docstrings) on one line, without its doctest example."""
    text = " ".join(str(description or "").split()).split(" Example: ", 1)[0]
    return text.replace("|", "\\|").replace("<", "&lt;")


def _fields(schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    rows = ["| Field | Type | Description |", "|---|---|---|"]
    for name, field in schema.get("properties", {}).items():
        mark = " (required)" if name in required else ""
        rows.append(f"| `{name}`{mark} | {_type(field)} | {_text(field.get('description'))} |")
    return rows


def schema_reference(schemas: Path) -> dict[str, str]:
    """One page per JSON Schema in `schemas/`: the document's fields, then each definition."""
    pages = {}
    for path in sorted(schemas.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        name = path.name.removesuffix(".schema.json")
        lines = [
            f"# {inline(schema.get('title', name))}",
            "",
            f"Generated from `schemas/{path.name}`; do not edit.",
            "",
            _text(schema.get("description")),
            "",
            *_fields(schema),
            "",
        ]
        for definition, sub in sorted(schema.get("$defs", {}).items()):
            lines += [f"## {definition}", "", _text(sub.get("description")), ""]
            lines += [*_fields(sub), ""] if "properties" in sub else [f"Type: {_type(sub)}", ""]
        pages[f"reference/schemas/{name}.md"] = "\n".join(lines).rstrip("\n") + "\n"
    index = [
        "# Schema reference",
        "",
        "The JSON Schemas of cardgen's documents, generated from `schemas/`.",
        "",
    ]
    index += [
        f"- [{p.rsplit('/', 1)[-1].removesuffix('.md')}]({p.split('/', 1)[1]})"
        for p in sorted(pages)
    ]
    pages["reference/schemas/index.md"] = "\n".join(index).replace("](schemas/", "](") + "\n"
    return pages


def example_pages(golden: Path) -> dict[str, str]:
    """The example cards' site pages, as rendered and checked by the golden-file tests."""
    pages = {}
    for path in sorted(golden.glob("*.page.md")):
        pages[f"examples/{path.name.removesuffix('.page.md')}.md"] = path.read_text(
            encoding="utf-8"
        )
    return pages


def generated_pages(root: Path = ROOT) -> dict[str, str]:
    """Every generated page of the project's site, keyed by its path under `site/`."""
    pages = {"reference/cli.md": cli_reference()}
    pages.update(schema_reference(root / "schemas"))
    pages.update(example_pages(root / "tests" / "golden"))
    return pages


def stale_pages(root: Path = ROOT) -> list[str]:
    """Generated pages under `site/` that are missing or differ from what would be written."""
    site = root / "site"
    return [
        name
        for name, text in generated_pages(root).items()
        if not (site / name).exists() or (site / name).read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    """Regenerate the reference pages, or check them with `--check`."""
    parser = argparse.ArgumentParser(description="Generate cardgen's reference pages.")
    parser.add_argument(
        "--check",
        action="store_true",
        help="Write nothing; exit 1 if a generated page is out of date.",
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages()
        for name in stale:
            print(f"site/{name}: out of date (run python -m cardgen._docs)", file=sys.stderr)
        return 1 if stale else 0
    for name, text in generated_pages().items():
        target = ROOT / "site" / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            atomic_write_text(target, text)
            print(f"wrote site/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

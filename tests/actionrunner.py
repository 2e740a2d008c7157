"""Run the steps of action.yml and of a workflow job locally, the way GitHub's runner does.

It evaluates the subset of GitHub's expression language the project's files use (context
lookups, ==, !=, &&, ||, !, cancelled()), runs each `run:` step with bash -e in its env,
collects `$GITHUB_OUTPUT`, and skips later steps after a failure unless their `if:` asks
for `!cancelled()` or `always()`. Steps that `uses:` a remote action are handed to the
caller; it starts no network access of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\s*('(?:[^']|'')*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][\w.-]*(?:\(\))?)")
_STATUS = ("always()", "cancelled()", "success()", "failure()")


def evaluate(expression: str, context: dict[str, Any], *, failed: bool = False) -> Any:
    """The value of one expression (without `${{ }}`) in a flat `context` of dotted names."""
    tokens = _TOKEN.findall(expression)
    if "".join(t.strip() for t in tokens) != re.sub(r"\s+", "", expression):
        raise ValueError(f"unsupported expression {expression!r}")
    python = []
    for token in tokens:
        token = token.strip()
        if token.startswith("'"):
            python.append(repr(token[1:-1].replace("''", "'")))
        elif token in ("&&", "||"):
            python.append({"&&": " and ", "||": " or "}[token])
        elif token == "!":
            python.append(" not ")
        elif token in ("==", "!=", "(", ")"):
            python.append(token)
        elif token in _STATUS:
            python.append(
                repr(
                    {
                        "always()": True,
                        "cancelled()": False,
                        "success()": not failed,
                        "failure()": failed,
                    }[token]
                )
            )
        elif token in ("true", "false"):
            python.append(repr(token == "true"))
        else:
            python.append(repr(context.get(token, "")))
    # Safe: the text is rebuilt from the tokens above, with every name replaced by a literal.
    return eval("".join(python), {"__builtins__": {}})


def interpolate(text: str, context: dict[str, Any]) -> str:
    """`text` with every `${{ ... }}` replaced by its value, as a workflow file is read."""

    def one(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), context)
        return (
            {True: "true", False: "false"}.get(value, str(value))
            if isinstance(value, bool)
            else str(value)
        )

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def _condition(text: str | None, context: dict[str, Any], failed: bool) -> bool:
    if text is None:
        return not failed
    expression = text.strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2]
    status = any(s in expression for s in _STATUS)
    if failed and not status:
        return False
    return bool(evaluate(expression, context, failed=failed))


@dataclass
class Run:
    """What running a list of steps did."""

    ran: list[str] = field(default_factory=list)
    failed_step: str | None = None
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)


def run_steps(
    steps: list[dict[str, Any]],
    context: dict[str, Any],
    *,
    cwd: Path,
    env: dict[str, str],
    output_file: Path,
    uses: Callable[[dict[str, Any], dict[str, Any]], dict[str, str] | None] | None = None,
    skip: Callable[[dict[str, Any]], bool] = lambda step: False,
) -> Run:
    """Run `steps` in order; `context` gains `steps.ID.outputs.NAME` as they finish.

    `uses(step, context)` runs a `uses:` step and returns its outputs (None: not run);
    `skip(step)` leaves a `run:` step out (e.g. an install over the development copy).
    """
    result = Run()
    failed = False
    for step in steps:
        name = step.get("id") or step.get("name") or step.get("uses", "?")
        if not _condition(step.get("if"), context, failed):
            continue
        if "uses" in step:
            outputs = uses(step, context) if uses else None
            if outputs is None:
                continue
        else:
            if skip(step):
                continue
            output_file.write_text("")
            step_env = {
                **env,
                **{k: interpolate(str(v), context) for k, v in step.get("env", {}).items()},
            }
            done = subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=cwd,
                env=step_env,
                capture_output=True,
                text=True,
                check=False,
            )
            result.logs[name] = done.stdout + done.stderr
            outputs = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
            )
            if done.returncode != 0:
                failed = True
                result.failed_step = result.failed_step or name
        result.ran.append(name)
        result.outputs[name] = outputs
        for key, value in outputs.items():
            context[f"steps.{name}.outputs.{key}"] = value
    return result


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The runner's environment: files for outputs and the summary, this Python on PATH."""
    import sys

    outputs, summary = tmp / "github_output", tmp / "step_summary"
    outputs.touch()
    summary.touch()
    return {
        **os.environ,
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        **extra,
    }

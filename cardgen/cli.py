"""The `cardgen` command line: parse options, call the library, print results.

No card logic lives here; every command is one library call plus printing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from ._cli_hub import budget_option
from .build import BuildReport, build, write_github_files
from .errors import CardgenError
from .merge import load_card
from .render import FORMATS, render, write_rendered
from .schema.export import export_schemas, stale_schemas
from .schema.model_card import CARD_NAME_PATTERN
from .skeleton import write_skeleton
from .validate import validate_paths

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a `CardgenError` into `error: ...` lines on stderr and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CardgenError as exc:
            for line in str(exc).splitlines() or ["unknown error"]:
                click.echo(f"error: {line}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


# --- Options several commands share, defined once ------------------------------------------


class CardKind(click.Choice):
    """`--type model|data`; `dataset`, the Hub's word, is still accepted with a note."""

    def __init__(self) -> None:
        super().__init__(["model", "data"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "dataset":
            click.echo("note: --type dataset is deprecated; use --type data", err=True)
            return "data"
        return super().convert(value, param, ctx)


def kind_option(help_text: str) -> Callable[[F], F]:
    """`--type model|data`, stored as `kind`."""
    return click.option("--type", "kind", type=CardKind(), default=None, help=help_text)


endpoint_option = click.option(
    "--endpoint",
    envvar="HF_ENDPOINT",
    default=None,
    help="Hub address [default: $HF_ENDPOINT or https://huggingface.co].",
)
device_option = click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N or mps.",
)
dtype_option = click.option(
    "--dtype",
    type=click.Choice(["auto", "float32", "bfloat16", "float16"]),
    default="auto",
    show_default=True,
    help="Weights dtype; auto is bfloat16 on a CUDA GPU that supports it, else float32.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardgen")
def cli() -> None:
    """cardgen: Model Cards and Data Cards from Hub facts, local runs and human prose.

    Cards are written as specs in cards/NAME.yaml; collectors add facts with
    provenance; renderers produce Hub READMEs and a browsable site.
    """


@cli.command("schema")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write the JSON Schema files into.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if the files in --out are missing or out of date.",
)
@reports_errors
def schema_command(out_dir: Path, check: bool) -> None:
    """Export the JSON Schemas of model cards, data cards, evaluations and provenance."""
    if check:
        stale = stale_schemas(out_dir)
        if stale:
            raise CardgenError(
                f"{out_dir}: out of date: {', '.join(stale)} (run `cardgen schema --out {out_dir}`)"
            )
        click.echo(f"{out_dir}: up to date")
        return
    for path in export_schemas(out_dir):
        click.echo(f"wrote {path}")


def _check_card_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.match(CARD_NAME_PATTERN, value):
        raise click.BadParameter(
            f"{value!r}: use letters, digits, '.', '_' and '-' (it becomes a file name)"
        )
    return value


@cli.command("init")
@click.argument("kind", type=click.Choice(["model", "data"]))
@click.argument("name", callback=_check_card_name)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("cards"),
    show_default=True,
    help="Folder for the spec file.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing spec.")
@reports_errors
def init_command(kind: str, name: str, directory: Path, force: bool) -> None:
    """Write a commented skeleton spec DIR/NAME.yaml for a model card or a data card.

    KIND is `model` or `data`; NAME becomes the card's name and file name.
    """
    path = write_skeleton(kind, name, directory, force=force)  # type: ignore[arg-type]
    click.echo(f"wrote {path}: fill it in, then run `cardgen validate {path}`")


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--min-completeness",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="N",
    help="Fail when a card fills less than N percent of the recommended sections.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@reports_errors
def validate_command(paths: tuple[Path, ...], min_completeness: float | None, quiet: bool) -> None:
    """Validate card specs and report how complete each one is.

    PATHS are spec files or folders of them (default: cards/). Every problem is printed
    as FILE:LINE:COLUMN: FIELD: MESSAGE. Exit code 1 when any spec has an error or,
    with --min-completeness, is less complete than required.
    """
    results = validate_paths(paths or (Path("cards"),))
    failed = 0
    absent = [r for r in results if r.card is None and not r.path.exists()]
    for result in absent:  # not a spec that failed: a path that is not there
        click.echo(f"error: {result.path}: no such file or directory", err=True)
    results = [r for r in results if r not in absent]
    for result in results:
        if result.problems:
            failed += 1
            for problem in result.problems:
                click.echo(str(problem), err=True)
            continue
        report = result.completeness
        assert report is not None
        below = min_completeness is not None and report.percent < min_completeness
        failed += below
        if not quiet or below:
            status = "below --min-completeness" if below else "valid"
            click.echo(
                f"{result.path}: {status}, {result.card_kind} card, "
                f"{report.percent:.0f}% complete "
                f"({len(report.filled)}/{len(report.filled) + len(report.missing)} "
                "recommended sections)"
            )
            for section in report.missing:
                click.echo(f"  empty: {section}")
    if not quiet and results:
        click.echo(f"{len(results)} spec(s) checked, {failed} failed")
    if failed or absent:
        sys.exit(1)


@cli.command("render")
@click.argument("card", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="hub",
    show_default=True,
    help="hub: README.md with front matter and model-index (with --out, each "
    "evaluation's full results go beside it as evaluation/NAME.json); page: site "
    "Markdown; json: the card as JSON; croissant: Croissant JSON-LD (data cards).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write; standard output when omitted. An existing README is "
    "regenerated between its cardgen markers only.",
)
@click.option(
    "--template",
    type=click.Path(path_type=Path),
    default=None,
    help="Your own Jinja2 template for hub or page output (runs sandboxed; it can "
    "import cardgen's _macros.md.j2).",
)
@click.option(
    "--precision",
    type=click.IntRange(0, 12),
    default=3,
    show_default=True,
    help="Decimals shown for metric values.",
)
@click.option(
    "--facts",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder whose .cardgen/ holds the collected facts.",
)
@click.option(
    "--force", is_flag=True, help="Overwrite an existing output file that has no cardgen markers."
)
@click.option(
    "--fill-template",
    is_flag=True,
    default=None,
    help="Lay an imported card out as the full Hub template instead of the "
    "author's own sections (as spec `render: {fill_template: true}`).",
)
@click.option(
    "--keep-edits",
    "edits",
    flag_value="keep",
    help="Leave regions edited by hand since cardgen wrote them as they are.",
)
@click.option(
    "--overwrite-edits",
    "edits",
    flag_value="overwrite",
    help="Replace regions edited by hand with cardgen's text.",
)
@reports_errors
def render_command(
    card: Path,
    fmt: str,
    out: Path | None,
    template: Path | None,
    precision: int,
    root: Path,
    force: bool,
    fill_template: bool | None,
    edits: str | None,
) -> None:
    """Render CARD (a spec, cards/NAME.yaml) merged with its collected facts.

    An imported card keeps its author's headings and order; an existing README changes
    only inside cardgen's regions, and a region edited by hand stops the render unless
    --keep-edits or --overwrite-edits says what to do.
    """
    if template is not None and fmt not in ("hub", "page"):
        raise click.UsageError("--template applies to --format hub or page")
    loaded = load_card(card, root)
    if out is None:
        click.echo(
            render(
                loaded,
                fmt,  # type: ignore[arg-type]
                precision,
                template,
                fill_template=fill_template,
            ),
            nl=False,
        )
        return
    result = write_rendered(
        loaded,
        fmt,  # type: ignore[arg-type]
        out,
        precision=precision,
        template=template,
        force=force,
        fill_template=fill_template,
        edits=edits or "error",  # type: ignore[arg-type]
    )
    click.echo(f"{'wrote' if result.changed else 'unchanged'} {result.path}")
    for sidecar in result.sidecars:
        click.echo(f"wrote {sidecar}")
    if fmt == "hub" and loaded.kind == "model":  # LM results also as the Hub's .eval_results
        from .hub.eval_results import write_eval_results

        for path in write_eval_results(loaded, out.parent):
            click.echo(f"wrote {path}")
    for name in result.unplaced_regions:
        click.echo(f"note: {out} has no region {name!r}; that section was not added", err=True)


def _print_build(report: BuildReport) -> None:
    for card in report.cards:
        total = card.tests_passed + len(card.tests_failed)
        tests = (
            f"{len(card.tests_failed)} of {total} threshold tests FAILED"
            if card.tests_failed
            else f"{total} threshold tests passed"
        )
        click.echo(
            f"{card.name}: ran {len(card.ran)} step(s), {len(card.cached)} unchanged; "
            f"{len(card.changed)} file(s) written; {tests}"
        )
        for test in card.tests_failed:
            observed = "undefined" if test.observed is None else f"{test.observed:.4f}"
            why = f": {test.reason}" if test.passed is None and test.reason else ""
            click.echo(f"  FAILED {test.expression} (observed {observed}){why}")
    if report.site_dir is not None:
        state = "built" if report.site_rebuilt else "unchanged"
        click.echo(f"site {state}: {report.site_dir}/index.html")


@cli.command("build")
@click.option(
    "--cards",
    "cards_dir",
    type=click.Path(path_type=Path),
    default=Path("cards"),
    show_default=True,
    help="Folder of card specs.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/cards"),
    show_default=True,
    help="Folder for rendered cards: OUT/NAME/README.md, card.json, croissant.json.",
)
@click.option(
    "--site-project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site-project"),
    show_default=True,
    help="Folder of the site's MkDocs project; the site is built into its public/.",
)
@click.option("--no-site", is_flag=True, help="Skip the site.")
@click.option(
    "--refresh", is_flag=True, help="Run every source again, even when its inputs are unchanged."
)
@click.option("--no-fail", is_flag=True, help="Report failed threshold tests but exit 0.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.option(
    "--engine",
    type=click.Choice(["auto", "pandas", "duckdb", "spark"]),
    default=None,
    help="Engine for evaluations and profiles whose spec leaves it at "
    "auto (see `cardgen evaluate --engine`, `cardgen profile --engine`).",
)
@reports_errors
def build_command(
    cards_dir: Path,
    out: Path,
    site_project: Path,
    no_site: bool,
    refresh: bool,
    no_fail: bool,
    quiet: bool,
    engine: str | None,
) -> None:
    """Collect facts for every spec (only where inputs changed), render every card, build
    the site.

    Exit code 1 when a threshold test fails (unless --no-fail). In GitHub Actions the
    outputs site-dir, cards-changed and tests-failed go to $GITHUB_OUTPUT and a Markdown
    summary to $GITHUB_STEP_SUMMARY.
    """
    say = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    report = build(
        cards_dir,
        out=out,
        site_project=None if no_site else site_project,
        refresh=refresh,
        progress=not quiet,
        say=say,
        engine=engine,
    )
    _print_build(report)
    write_github_files(report)
    if report.tests_failed and not no_fail:
        sys.exit(1)


@cli.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("cardgen-demo"),
    show_default=True,
    help="Folder for the demo project (data, model, cards, site).",
)
@click.option("--no-site", is_flag=True, help="Skip the site.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@reports_errors
def demo_command(out: Path, no_site: bool, quiet: bool) -> None:
    """Run the embedded UCI Adult example end to end, offline.

    Trains a scikit-learn classifier (saved with skops), runs it over the test split,
    evaluates it by race x sex with confidence intervals and a four-fifths-rule test,
    profiles the data, and writes the model card, the data card and the site into OUT.
    """
    from .demo import demo

    say = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    report = demo(out, site=not no_site, progress=not quiet, say=say)
    _print_build(report)
    click.echo(
        f"\nLook at {out / 'build' / 'cards' / 'adult-income' / 'README.md'} (model "
        f"card), {out / 'build' / 'cards' / 'adult' / 'README.md'} (data card)"
        + ("" if no_site else f" and {out / 'site-project' / 'public' / 'index.html'} (site)")
        + "."
    )
    if report.tests_failed:
        click.echo(
            "The four-fifths-rule test fails: the example model selects women and "
            "some groups far less often. That is what the card is there to show."
        )


def main() -> None:
    """Console entry point."""
    cli(prog_name="cardgen")


# --- Hub: collect, import, push ----------------------------------------------------------


@cli.group()
def collect() -> None:
    """Collect facts with provenance into .cardgen/<card>/ (the spec is never touched)."""


def _repo_type(kind: str) -> str:
    return "dataset" if kind in ("dataset", "data") else "model"


@collect.command("hub")
@click.argument("repo_id", required=False)
@kind_option("Repository type (default: the card's hub source, else model).")
@click.option("--revision", default=None, help="Branch, tag or commit sha (default branch).")
@click.option(
    "--card",
    "card_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Card spec cards/NAME.yaml; facts go to .cardgen/NAME/, and "
    "its `sources.hub` is used when REPO_ID is omitted.",
)
@click.option(
    "--from-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Collect every repository listed (one id a line, # comments) concurrently.",
)
@click.option("--author", default=None, help="Collect every public repository of a user/org.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Concurrent requests for --from-file/--author.",
)
@endpoint_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each Hub answer.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=4,
    show_default=True,
    help="Retries on 429/5xx (with backoff, honouring Retry-After).",
)
@click.option(
    "--follow-datasets",
    is_flag=True,
    help="Also collect the datasets a model names (linked dataset facts).",
)
@budget_option
@reports_errors
def collect_hub_command(
    repo_id: str | None,
    kind: str | None,
    revision: str | None,
    card_path: Path | None,
    from_file: Any,
    author: str | None,
    jobs: int,
    endpoint: str | None,
    timeout: float,
    retries: int,
    follow_datasets: bool,
    budget: Any,
) -> None:
    """Collect Hub metadata, card data, prose and evaluation results of REPO_ID.

    With --from-file/--author, metadata comes from listing pages and each README is
    downloaded once, paced to the Hub's rate-limit budget (--budget).
    The token, if any, comes from HF_TOKEN or `hf auth login` and is never printed.
    """
    from .collect import collect_hub, collect_many

    batch = from_file is not None or author is not None
    if batch:
        if repo_id or card_path:
            raise CardgenError("give REPO_ID/--card, or --from-file/--author, not both")
        _collect_batch(
            from_file,
            author,
            _repo_type(kind or "model"),
            jobs,
            endpoint,
            timeout,
            retries,
            budget,
            collect_many,
        )
        return
    if card_path is None:
        raise CardgenError("--card cards/NAME.yaml is required (facts are stored per card)")
    name = card_path.name.rsplit(".", 1)[0]
    if repo_id is None:
        from .spec import load_spec

        source = load_spec(card_path).sources.hub
        if source is None:
            raise CardgenError(f"{card_path}: give REPO_ID or a `sources.hub` in the spec")
        repo_id, kind = source.repo_id, kind or source.repo_type
        revision = revision or source.revision
    result = collect_hub(
        repo_id,
        name,
        repo_type=_repo_type(kind or "model"),
        revision=revision,
        endpoint=endpoint,
        timeout=timeout,
        retries=retries,
        follow_datasets=follow_datasets,
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"collected {result.repo_id}@{result.sha[:12]}: " + ", ".join(str(p) for p in result.paths)
    )


def _collect_batch(
    from_file: Any,
    author: str | None,
    repo_type: str,
    jobs: int,
    endpoint: str | None,
    timeout: float,
    retries: int,
    budget: Any,
    collect_many: Any,
) -> None:
    from ._cli_hub import hub_progress, request_line

    repos: list[str] = []
    if from_file is not None:
        repos += [line.split("#", 1)[0].strip() for line in from_file]
    repos = [r for r in dict.fromkeys(repos) if r]
    with hub_progress("collect hub", None if author else len(repos)) as (progress, on_wait):
        report = collect_many(
            repos,
            authors=[author] if author else [],
            repo_type=repo_type,
            jobs=jobs,
            endpoint=endpoint,
            timeout=timeout,
            retries=retries,
            budget=budget,
            progress=progress,
            on_wait=on_wait,
        )
    total = len(report.results) + len(report.errors)
    click.echo(f"collected {len(report.results)} of {total} repositories")
    click.echo(request_line(total, report.requests, report.throttled, report.waited))
    for message in report.errors.values():
        click.echo(f"error: {message}", err=True)
    if report.errors:
        sys.exit(1)


@cli.command("import")
@click.argument("source")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Spec file to write, e.g. cards/NAME.yaml (NAME becomes the card name).",
)
@click.option(
    "--update",
    "update",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Instead of a new spec, take SOURCE's text (a README cardgen rendered and "
    "someone edited) back into this existing spec.",
)
@kind_option("Card kind (default: guessed from the README).")
@endpoint_option
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@reports_errors
def import_command(
    source: str,
    out: Path | None,
    update: Path | None,
    kind: str | None,
    endpoint: str | None,
    force: bool,
) -> None:
    """Turn an existing Hub card (a README path, or hub:OWNER/NAME) into an editable spec.

    Known sections fill spec fields; every other section is kept verbatim, in order,
    under extra_sections, and `cardgen render` gives the author's layout back. Use
    hub:datasets/OWNER/NAME for a dataset card, and `--update SPEC` to take hand edits
    of a rendered README back into its spec.
    """
    if (out is None) == (update is None):
        raise click.UsageError("give --out SPEC (a new spec) or --update SPEC (an existing one)")
    if update is not None:
        from .hub.import_update import update_spec

        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CardgenError(f"{source}: cannot read: {exc.strerror or exc}") from exc
        changed, warnings = update_spec(data, update, source)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"updated {update}: {', '.join(changed)}" if changed else f"unchanged {update}")
        return
    from .hub.importer import import_card

    assert out is not None
    result = import_card(source, out, kind=kind, endpoint=endpoint, overwrite=force)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"wrote {out} ({result.card.kind} card, {len(result.card.extra_sections)} extra section(s))"
    )


@cli.command("push")
@click.argument("card", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--repo-id",
    default=None,
    help="Hub repository to update, e.g. ORG/NAME [default: the spec's sources.hub.repo_id].",
)
@click.option(
    "--pr/--no-pr",
    "create_pr",
    default=True,
    show_default=True,
    help="Open a pull request, or commit directly to the default branch.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Push even if threshold tests failed or the README fails Hub checks.",
)
@endpoint_option
@click.option("-m", "--message", default=None, help="Commit title.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Render and check the card (threshold tests, Hub metadata) but push nothing.",
)
@reports_errors
def push_command(
    card: Path,
    repo_id: str | None,
    create_pr: bool,
    force: bool,
    endpoint: str | None,
    message: str | None,
    dry_run: bool,
) -> None:
    """Render CARD's Hub README and push it to the Hub (as a pull request by default).

    The token comes from HF_TOKEN or `hf auth login`; it is never printed.
    """
    from .hub.push import push_card

    result = push_card(
        card,
        repo_id,
        create_pr=create_pr,
        force=force,
        endpoint=endpoint,
        commit_message=message,
        dry_run=dry_run,
    )
    if dry_run:
        click.echo(f"dry run: the README for {result.repo_id} passes the checks; nothing pushed")
    elif result.pr_url:
        click.echo(f"opened pull request {result.pr_url}")
    else:
        click.echo(f"committed {result.commit_url}")


METRIC_NAMES = (
    "accuracy, balanced_accuracy, base_rate, brier_score, expected_calibration_error, f1, "
    "f1_macro, false_negative_rate, false_positive_rate, mean_absolute_error, mean_label, "
    "mean_prediction, precision, r2_score, recall, roc_auc, root_mean_squared_error, "
    "selection_rate, true_negative_rate, true_positive_rate"
)
"""Metric names for `--help` (kept literal so the CLI starts without numpy; a test checks
them against `cardgen.metrics`)."""


@cli.command("evaluate")
@click.argument("file", type=click.Path())
@click.option("--label", required=True, help="Column with the true label.")
@click.option("--pred", help="Column with the predicted label (give --pred or --score).")
@click.option("--score", help="Column with the positive-class score; prediction = score >= T.")
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Decision threshold T applied to --score [default: 0.5, which needs scores in [0, 1]].",
)
@click.option(
    "--sensitive",
    "sensitive",
    multiple=True,
    help="Sensitive feature column (repeatable): groups are their intersections, "
    "and each feature alone is reported too.",
)
@click.option("--pos-label", help="Label value of the positive class (binary tasks).")
@click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    help="Task type; inferred from the labels when unambiguous.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="Metric to report (repeatable); a default set per task when omitted. "
    "Names: " + METRIC_NAMES + ".",
)
@click.option(
    "--headline-metric",
    "headline_metrics",
    multiple=True,
    help="Metric readers see first (repeatable) [default per task; binary: "
    "selection_rate, true_positive_rate, false_positive_rate, "
    "false_negative_rate, precision, accuracy, roc_auc with --score].",
)
@click.option(
    "--require",
    "require",
    multiple=True,
    help="Threshold test such as 'demographic_parity_ratio>=0.8' (repeatable); "
    "any failure makes the exit code 1.",
)
@click.option(
    "--ci-method",
    type=click.Choice(["bootstrap", "wilson", "none"]),
    default="bootstrap",
    show_default=True,
    help="Confidence intervals: bootstrap, Wilson for proportions, or none.",
)
@click.option(
    "--n-boot",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Bootstrap replicates.",
)
@click.option(
    "--ci",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--min-group-size",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Groups with fewer rows are flagged as small; a value resting on fewer "
    "observations (its own denominator) is insufficient evidence, left out "
    "of gaps, fairness measures and tests.",
)
@click.option(
    "--include-small-groups",
    is_flag=True,
    help="Let insufficient-evidence values into gaps, fairness measures and tests "
    "(fairlearn's behaviour).",
)
@click.option(
    "--reference",
    help="Reference group for disparities, e.g. "
    "'race=White,sex=Male'; the largest group by default.",
)
@click.option("--name", help="Evaluation name; the file's stem by default.")
@click.option(
    "--engine",
    type=click.Choice(["auto", "pandas", "duckdb", "spark"]),
    default="auto",
    show_default=True,
    help="Engine that aggregates the counts: auto is pandas for files up to 256 MiB, "
    "DuckDB for larger files, globs and folders (the duckdb extra), Spark for "
    "spark:db.table and URIs such as s3a://... (the spark extra).",
)
@click.option(
    "--score-bins",
    type=click.IntRange(min=0),
    default=512,
    show_default=True,
    help="Score bins for ROC AUC, Brier score and calibration: exact when the "
    "scores have at most this many distinct values; 0: from rows (pandas).",
)
@click.option(
    "--spark-master",
    default="local[*]",
    show_default=True,
    help="Spark master URL for --engine spark.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the evaluation JSON here.")
@click.option(
    "--card",
    type=click.Path(dir_okay=False),
    help="Store the evaluation as a fact of this card (cards/NAME.yaml).",
)
@reports_errors
def evaluate_command(file: str, card: str | None, out: str | None, **options: Any) -> None:
    """Disaggregated evaluation of a predictions table (CSV, Parquet or JSON Lines; with
    --engine duckdb or spark also a glob, a hive-partitioned folder or spark:db.table).

    Metrics per group and intersectional group, with confidence intervals, disparities,
    fairness measures and threshold tests.
    """
    from .evaluate import (
        card_requirements,
        evaluate,
        failed_tests,
        store_in_card,
        summary_table,
        write_evaluation,
    )

    if card is not None:
        options["require"] = [*options["require"], *card_requirements(card, file)]
    evaluation = evaluate(file, progress=True, **options)
    if out:
        write_evaluation(evaluation, out)
    if card is not None:
        click.echo(f"stored {store_in_card(card, evaluation)}", err=True)
    click.echo(summary_table(evaluation))
    failed = failed_tests(evaluation)
    if failed:
        raise CardgenError(
            f"{len(failed)} of {len(evaluation.threshold_tests)} requirement(s) "
            f"failed: {', '.join(t.expression for t in failed)}"
        )


# --- Local runs and the discrimination probe ----------------------------------------------


@cli.command("run")
@click.argument("model")
@click.option(
    "--data",
    required=True,
    help="Evaluation set: CSV, Parquet, JSON Lines, a "
    "saved `datasets` folder, or hub:ORG/NAME[@REVISION] (a Hub dataset's Parquet "
    "files).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Predictions table to write (.parquet, .csv or .jsonl) "
    "[default: DATA-STEM.predictions.parquet]; provenance goes to "
    "OUT.provenance.json.",
)
@click.option(
    "--text-column",
    default=None,
    help="Column with the input text (required for transformers models).",
)
@click.option(
    "--label-column",
    default=None,
    help="Column with the true label, copied to the predictions table.",
)
@click.option(
    "--sensitive",
    multiple=True,
    help="Sensitive column to keep in the predictions table (repeatable, or comma-separated).",
)
@click.option(
    "--split",
    default=None,
    help="Split of a `datasets` folder or Hub dataset (optional when there is one).",
)
@device_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Rows per batch [default: 32 on CPU; on CUDA 256, halved on out-of-memory].",
)
@dtype_option
@click.option(
    "--max-length",
    type=click.IntRange(min=1),
    default=None,
    help="Token limit per text [default: the model's own limit].",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Run only the first N rows."
)
@click.option(
    "--trust-pickle",
    is_flag=True,
    help="Allow .joblib/.pkl models and untrusted .skops types (unpickling runs "
    "code from the file).",
)
@click.option("--revision", default=None, help="Hub revision of a Hub model id (default branch).")
@endpoint_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@reports_errors
def run_command(
    model: str,
    data: str,
    out: Path | None,
    text_column: str | None,
    label_column: str | None,
    sensitive: tuple[str, ...],
    split: str | None,
    device: str,
    batch_size: int | None,
    dtype: str,
    max_length: int | None,
    limit: int | None,
    trust_pickle: bool,
    revision: str | None,
    endpoint: str | None,
    quiet: bool,
) -> None:
    """Run MODEL over an evaluation set and write a predictions table for `cardgen evaluate`.

    MODEL is a transformers model folder or Hub id (sequence classification), or a
    scikit-learn model saved with skops (.skops). The table keeps the label and sensitive
    columns and adds prediction, score and score_<class>.
    """
    from .collect.run import run

    columns = [c.strip() for item in sensitive for c in item.split(",") if c.strip()]
    result = run(
        model,
        data,
        out=out,
        text_column=text_column,
        label_column=label_column,
        sensitive=columns,
        split=split,
        device=device,
        batch_size=batch_size,
        dtype=dtype,
        max_length=max_length,
        limit=limit,
        trust_pickle=trust_pickle,
        revision=revision,
        endpoint=endpoint,
        progress=not quiet,
    )
    settings = result.record["run"]
    click.echo(
        f"wrote {result.out} ({settings['rows']} rows, {settings['task']}) and "
        f"{result.provenance_path}"
    )
    click.echo(
        f"{settings['device_name']}, {settings['dtype'] or 'numpy'}, batch size "
        f"{settings['batch_size']}: {settings['seconds']:.2f} s, "
        f"{settings['rows_per_second'] or 0:.1f} rows/s"
    )


@cli.command("probe")
@click.argument("model")
@click.option(
    "--prompts",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="discrim-eval JSON Lines (filled_template, decision_question_id, age, "
    "gender, race) [default: the shipped subset, decision questions 0, 1, 3].",
)
@click.option(
    "--baseline",
    default=None,
    help="Baseline demographics, e.g. age=60,gender=male,race=white "
    "[default: a 60-year-old white male].",
)
@click.option(
    "--mixed-effects",
    is_flag=True,
    help="Also fit the paper's mixed-effects model (statsmodels MixedLM).",
)
@click.option(
    "--ci",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level of the intervals.",
)
@device_option
@dtype_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Prompts per batch [default: 8 on CPU; on CUDA 32, halved on out-of-memory].",
)
@click.option(
    "--max-length",
    type=click.IntRange(min=1),
    default=None,
    help="Token limit per prompt; longer prompts lose their beginning "
    "[default: the model's context length].",
)
@click.option(
    "--name", default=None, help="Evaluation name [default: discrim-eval-MODEL-FOLDER-NAME]."
)
@click.option("--revision", default=None, help="Hub revision of a Hub model id.")
@endpoint_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the evaluation JSON here [default: NAME.json unless --card].",
)
@click.option(
    "--card",
    "card_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Card spec cards/NAME.yaml: store the evaluation as the "
    "fact .cardgen/NAME/probe-EVALUATION.json for the model card.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@reports_errors
def probe_command(
    model: str,
    prompts: Path | None,
    baseline: str | None,
    mixed_effects: bool,
    ci: float,
    device: str,
    dtype: str,
    batch_size: int | None,
    max_length: int | None,
    name: str | None,
    revision: str | None,
    endpoint: str | None,
    out: Path | None,
    card_path: Path | None,
    quiet: bool,
) -> None:
    """Measure decision discrimination of a causal language model (Tamkin et al. 2023).

    Each prompt asks a yes/no decision about a person whose age, gender and race vary; the
    discrimination score of a value is its mean difference in logit p(yes) to the baseline,
    averaged over decision questions, with intervals clustered by question.
    """
    from ._io import atomic_write_text, dumps_json
    from .collect.probe import METRIC, probe
    from .facts import write_fact

    evaluation = probe(
        model,
        prompts,
        baseline=baseline,
        device=device,
        dtype=dtype,
        batch_size=batch_size,
        max_length=max_length,
        ci=ci,
        mixed_effects_model=mixed_effects,
        name=name,
        revision=revision,
        endpoint=endpoint,
        progress=not quiet,
    )
    written = []
    if card_path is not None:
        from .spec import load_spec

        written.append(
            write_fact(load_spec(card_path).name, f"probe-{evaluation.name}", evaluation)
        )
    if out is not None or card_path is None:
        target = out or Path(f"{evaluation.name}.json")
        written.append(
            atomic_write_text(
                target, dumps_json(evaluation.model_dump(mode="json", exclude_none=False))
            )
        )
    truncated = evaluation.details.get("truncated_prompts")
    if truncated:
        click.echo(
            f"warning: {truncated} prompt(s) exceeded --max-length and lost their "
            "beginning (where the demographics are stated)",
            err=True,
        )
    for group in evaluation.groups:
        score = group.metrics[METRIC]
        ((feature, value),) = group.features.items()
        interval = (
            f"[{score.ci_low:+.3f}, {score.ci_high:+.3f}]"
            if score.ci_low is not None and score.ci_high is not None
            else "baseline"
            if score.value == 0 and score.ci_method == "none"
            else "(no interval)"
        )
        click.echo(f"{feature}={value}: {score.value:+.3f} {interval}")
    click.echo("wrote " + ", ".join(str(p) for p in written))


# --- Data cards: profile a dataset -------------------------------------------------------


@cli.command("profile")
@click.argument("data")
@click.option(
    "--card",
    "card_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Data card spec cards/NAME.yaml: store the profile as the fact "
    ".cardgen/NAME/profile-<DATA stem>.json (its sources.profile entry for DATA "
    "supplies --sensitive/--label when they are not given).",
)
@click.option(
    "--sensitive",
    multiple=True,
    metavar="COL",
    help="Sensitive attribute column (repeat for several); groups of each and "
    "their intersections are reported.",
)
@click.option(
    "--label",
    default=None,
    metavar="COL",
    help="Label column: its base rate per group is reported with Wilson CIs.",
)
@click.option(
    "--pos-label",
    default=None,
    metavar="VALUE",
    help="Label value counted as positive (default: 1/true/yes, else the rarer of two values).",
)
@click.option("--split", default=None, help="Split of a saved DatasetDict folder.")
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of CSV and JSON Lines files, e.g. latin-1.",
)
@click.option(
    "--keep-whitespace",
    is_flag=True,
    help="Keep spaces around CSV fields and header names (trimmed by default).",
)
@click.option(
    "--min-group-size",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Groups with fewer rows are flagged as small.",
)
@click.option(
    "--top-k",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Most frequent values kept per column.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the profile as JSON to this file.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "pandas", "duckdb", "spark"]),
    default="auto",
    show_default=True,
    help="Reader: pandas streams one file with pyarrow; duckdb also reads globs and "
    "hive-partitioned folders (the duckdb extra); spark also URIs such as s3a://... "
    "and spark:db.table, streaming rows here in Arrow batches (the spark extra); "
    "auto picks DuckDB for globs, folders and files over 256 MiB, Spark for spark: "
    "tables and URIs.",
)
@click.option(
    "--spark-master",
    default="local[*]",
    show_default=True,
    help="Spark master URL for --engine spark.",
)
@reports_errors
def profile_command(
    data: str,
    card_path: Path | None,
    sensitive: tuple[str, ...],
    label: str | None,
    pos_label: str | None,
    split: str | None,
    encoding: str,
    keep_whitespace: bool,
    min_group_size: int,
    top_k: int,
    out: Path | None,
    engine: str,
    spark_master: str,
) -> None:
    """Profile DATA (CSV, Parquet, JSON Lines or a saved datasets folder; with --engine
    duckdb or spark also a glob or a hive-partitioned folder; with spark also a URI or
    spark:db.table) for a data card.

    Records per-column statistics, duplicate rows, group representation and label base
    rates, warnings, and columns that look like personal data, with provenance.
    """
    from tqdm import tqdm

    from ._io import atomic_write_text, dumps_json
    from .collect.profile import profile, store_profile
    from .spec import load_spec

    card = load_spec(card_path) if card_path is not None else None
    if card is not None and not sensitive and label is None:
        for source in getattr(card.sources, "profile", []):
            if Path(source.data) == Path(data):
                sensitive, label = tuple(source.sensitive), source.label
    path = Path(data)
    size = (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
        if path.is_file()
        else 0
    )
    with tqdm(
        unit="row",
        unit_scale=True,
        file=sys.stderr,
        desc=f"profile {path.name}",
        # Spark tables and URIs have no local size: show progress for them.
        disable=size < (64 << 20) and not (data.startswith("spark:") or "://" in data),
    ) as bar:
        result = profile(
            data,
            sensitive=sensitive,
            label=label,
            pos_label=pos_label,
            split=split,
            encoding=encoding,
            strip_whitespace=not keep_whitespace,
            min_group_size=min_group_size,
            top_k=top_k,
            progress=bar.update,
            engine=engine,
            spark_master=spark_master,
        )
    written = []
    if out is not None:
        written.append(atomic_write_text(out, dumps_json(result.model_dump(mode="json"))))
    if card is not None:
        written.append(store_profile(card.name, result))
    click.echo(
        f"{data}: {result.num_rows} rows, {result.num_columns} columns, "
        f"{result.duplicate_rows} duplicate row(s)"
    )
    for column in result.columns:
        rate = "-" if column.missing_rate is None else f"{column.missing_rate:.1%}"
        click.echo(
            f"  {column.name}: {column.type}, {rate} missing, "
            f"{column.distinct if column.distinct is not None else '-'} distinct"
        )
    if result.base_rate is not None and result.base_rate.value is not None:
        click.echo(f"base rate of {result.label}={result.pos_label}: {result.base_rate.value:.3f}")
    for group in result.groups:
        where = ", ".join(f"{k}={v}" for k, v in group.features.items())
        base = group.base_rate.value if group.base_rate is not None else None
        click.echo(
            f"  group {where}: {group.count} rows"
            + (f", base rate {base:.3f}" if base is not None else "")
        )
    for flag in result.personal_data:
        click.echo(f"personal data? {flag.column}: {flag.kind} ({flag.detail})")
    for warning in result.warnings:
        click.echo(f"warning: {warning.message}", err=True)
    for path in written:
        click.echo(f"wrote {path}")


# --- site -------------------------------------------------------------------------------------


@cli.group("site")
def site_group() -> None:
    """Build or preview the browsable MkDocs-Material site of all cards."""


_SITE_OPTIONS = [
    click.option(
        "--cards",
        type=click.Path(path_type=Path),
        default=Path("cards"),
        show_default=True,
        help="Folder of card specs (*.yaml) to put on the site.",
    ),
    click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("site-project"),
        show_default=True,
        help="MkDocs project folder to write; an existing mkdocs.yml there keeps "
        "everything but its nav.",
    ),
    click.option(
        "--facts",
        "root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Project folder holding the collected facts (.cardgen/).",
    ),
    click.option(
        "--release",
        default=None,
        help="Release id recorded in each card's history (default: the card's "
        "version, else `git describe` of the specs' repository).",
    ),
    click.option(
        "--site-name",
        default="Cards",
        show_default=True,
        help="site_name of a newly written mkdocs.yml.",
    ),
    click.option(
        "--precision",
        type=click.IntRange(0, 12),
        default=3,
        show_default=True,
        help="Decimals shown for metric values.",
    ),
]


def _site_options(func: F) -> F:
    for option in reversed(_SITE_OPTIONS):
        func = option(func)
    return func


@site_group.command("build")
@_site_options
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes preparing cards (default: number of CPUs).",
)
@click.option(
    "--no-build", is_flag=True, help="Write the MkDocs project only; do not run mkdocs build."
)
@reports_errors
def site_build_command(
    cards: Path,
    out: Path,
    root: Path,
    release: str | None,
    site_name: str,
    precision: int,
    jobs: int | None,
    no_build: bool,
) -> None:
    """Write the MkDocs project of all cards and run `mkdocs build --strict`."""
    from .site import build_site

    result = build_site(
        cards,
        out,
        root=root,
        release=release,
        site_name=site_name,
        precision=precision,
        jobs=jobs,
        build=not no_build,
    )
    project = result.project
    click.echo(
        f"{project.cards} cards; {project.written} files written, {project.removed} "
        f"removed, {project.history_changed} history entries changed"
    )
    if not no_build:
        click.echo(f"built {project.site_dir} in {result.seconds:.1f} s")


@site_group.command("serve")
@_site_options
@click.option(
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    help="Address the preview server listens on.",
)
@reports_errors
def site_serve_command(
    cards: Path,
    out: Path,
    root: Path,
    release: str | None,
    site_name: str,
    precision: int,
    dev_addr: str,
) -> None:
    """Preview the site with live reload; pages are regenerated when specs or facts change."""
    from .site import serve_site

    serve_site(
        cards,
        out,
        root=root,
        address=dev_addr,
        release=release,
        site_name=site_name,
        precision=precision,
    )


# --- Language-model evaluations: harness logs, compare ---------------------------------

_LM_OPTIONS = [
    click.option(
        "--card",
        "card_path",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="Card spec cards/NAME.yaml: store one fact per task in "
        ".cardgen/NAME/ (per-question scores in .cardgen/NAME/samples/).",
    ),
    click.option(
        "--cluster-key",
        default=None,
        metavar="PATH",
        help="Dotted path in each sample to cluster questions by (e.g. "
        "doc.passage_id): the SE becomes statsmodels' cluster-robust SE.",
    ),
    click.option(
        "--ci",
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        default=0.95,
        show_default=True,
        help="Confidence level.",
    ),
    click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Also write the evaluations as JSON to this file.",
    ),
    click.option(
        "--dataset-id",
        default=None,
        metavar="ORG/NAME",
        help="Hub dataset id of the benchmark, for .eval_results entries when the "
        "harness names its data otherwise (a local json file).",
    ),
]


def _lm_options(func: F) -> F:
    for option in reversed(_LM_OPTIONS):
        func = option(func)
    return func


def _report_lm_run(run: Any, card_path: Path | None, out: Path | None) -> None:
    from ._io import atomic_write_text, dumps_json
    from .collect.lm_common import store_run

    for warning in run.warnings:
        click.echo(f"warning: {warning}", err=True)
    written = []
    if card_path is not None:
        from .spec import load_spec

        written += store_run(load_spec(card_path).name, run)
    if out is not None:
        written.append(
            atomic_write_text(
                out, dumps_json([t.evaluation.model_dump(mode="json") for t in run.tasks])
            )
        )
    for task in run.tasks:
        evaluation = task.evaluation
        for name, value in evaluation.overall.items():
            if value.value is None:
                click.echo(f"{evaluation.name} {name}: undefined ({value.undefined_reason})")
                continue
            error = (
                f" ± {value.se:.4f} (SE, {value.ci_method}) [{value.ci_low:.4f}, "
                f"{value.ci_high:.4f}]"
                if value.se is not None
                else " (no SE)"
            )
            click.echo(f"{evaluation.name} {name}: {value.value:.4f}{error} n={value.n}")
    if card_path is None and out is None:
        click.echo("note: nothing stored; give --card cards/NAME.yaml or --out FILE", err=True)
    for path in written:
        click.echo(f"wrote {path}")


@collect.command("lm-eval")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_lm_options
@click.option(
    "--id-key",
    default="doc_id",
    show_default=True,
    metavar="PATH",
    help="Dotted path of the question id in each sample (used for pairing).",
)
@reports_errors
def collect_lm_eval_command(
    path: Path,
    card_path: Path | None,
    cluster_key: str | None,
    ci: float,
    out: Path | None,
    dataset_id: str | None,
    id_key: str,
) -> None:
    """Read lm-evaluation-harness output: PATH is a results_*.json or its output folder.

    Per-question scores come from the samples_*.jsonl written with --log_samples; without
    them the harness's own stderr is used and labelled as such.
    """
    from .collect.lm_eval import read_lm_eval

    _report_lm_run(
        read_lm_eval(path, cluster_key=cluster_key, id_key=id_key, level=ci, dataset_id=dataset_id),
        card_path,
        out,
    )


@collect.command("inspect")
@click.argument("log", type=click.Path(exists=True, path_type=Path))
@_lm_options
@reports_errors
def collect_inspect_command(
    log: Path,
    card_path: Path | None,
    cluster_key: str | None,
    ci: float,
    out: Path | None,
    dataset_id: str | None,
) -> None:
    """Read Inspect AI logs (LOG: a .eval or .json log, or a folder of them)."""
    from .collect.inspect_log import read_inspect

    _report_lm_run(
        read_inspect(log, cluster_key=cluster_key, level=ci, dataset_id=dataset_id), card_path, out
    )


@cli.command("compare")
@click.argument("baseline", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--max-regression",
    type=click.FloatRange(min=0),
    default=None,
    metavar="D",
    help="Exit 1 when the CI's lower bound of NEW - BASELINE is below -D on any task, e.g. 0.01.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the differences as JSON (diff.json).",
)
@click.option(
    "--markdown",
    "markdown_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a Markdown table (for a job summary or PR comment); "
    "it is also appended to $GITHUB_STEP_SUMMARY when that is set.",
)
@click.option(
    "--cluster-key",
    default=None,
    metavar="PATH",
    help="Dotted path in each sample to cluster questions by.",
)
@click.option(
    "--id-key",
    default="doc_id",
    show_default=True,
    metavar="PATH",
    help="Dotted path of an lm-eval sample's question id, which pairs questions "
    "(e.g. doc.id when the two runs ordered the data differently).",
)
@click.option(
    "--ci",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level.",
)
@click.option(
    "--power",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.8,
    show_default=True,
    help="Power of the minimum detectable effect.",
)
@reports_errors
def compare_command(
    baseline: Path,
    new: Path,
    max_regression: float | None,
    out: Path | None,
    markdown_out: Path | None,
    cluster_key: str | None,
    id_key: str,
    ci: float,
    power: float,
) -> None:
    """Compare two LM evaluation runs per task: NEW - BASELINE with a paired SE.

    BASELINE and NEW are lm-eval outputs, Inspect AI logs, or card specs whose LM
    evaluations were collected. Differences are paired over the question ids both runs
    share (unpaired, and said so, otherwise), with a CI and the minimum detectable effect.
    """
    import os

    from .compare import compare_runs, load_run, markdown, terminal_table, write_outputs

    runs = [load_run(p, cluster_key=cluster_key, id_key=id_key) for p in (baseline, new)]
    for run in runs:
        for warning in run.warnings:
            click.echo(f"warning: {warning}", err=True)
    comparison = compare_runs(*runs, level=ci, power=power, max_regression=max_regression)
    click.echo(terminal_table(comparison), nl=False)
    if max_regression is not None:
        for row in comparison.rows:
            if row.ci_low is None:
                click.echo(
                    f"warning: {row.task} {row.metric}: no standard error, so "
                    "--max-regression cannot judge it",
                    err=True,
                )
    for path in write_outputs(comparison, out, markdown_out):
        click.echo(f"wrote {path}", err=True)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(markdown(comparison))
    if comparison.regressions:
        raise CardgenError(
            f"{len(comparison.regressions)} task metric(s) regress by more than "
            f"{max_regression:g}: "
            + ", ".join(f"{r.task} {r.metric}" for r in comparison.regressions)
        )


# --- audit and regulation crosswalk -------------------------------------------------------
from ._cli_audit import audit_command, crosswalk_command  # noqa: E402

cli.add_command(audit_command)
cli.add_command(crosswalk_command)

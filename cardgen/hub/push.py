"""Publish a card to the Hugging Face Hub: render its README and open a pull request.

All Hub I/O goes through `huggingface_hub`; it refuses invalid or failing cards unless
forced, and never prints, logs or stores the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CardgenError
from ..merge import load_card
from ..render import render, sidecars
from ..schema import DataCard, GovernanceCard, ModelCard, ThresholdTest
from ._http import AUTH_HINT, explain, redact, with_retries
from .collect import resolve_endpoint

Card = ModelCard | DataCard | GovernanceCard


@dataclass
class PushResult:
    """Where a pushed card landed."""

    repo_id: str
    commit_url: str | None
    """None after a dry run, which pushes nothing."""
    commit_oid: str | None
    pr_url: str | None
    readme: str


def failed_threshold_tests(card: Card) -> list[ThresholdTest]:
    """Threshold tests that failed, or could not be evaluated (e.g. insufficient evidence),
    in a merged card's evaluations (spec and facts)."""
    if not isinstance(card, ModelCard):
        return []
    return [
        test
        for evaluation in card.quantitative_analyses.evaluations
        for test in evaluation.threshold_tests
        if test.failed
    ]


def check_publishable(card: Card, readme: str) -> list[str]:
    """Reasons not to publish: failed threshold tests, a README the Hub parser rejects."""
    from huggingface_hub import DatasetCard
    from huggingface_hub import ModelCard as HubModelCard

    problems = [
        f"threshold test failed: {t.expression} (observed {t.observed})"
        for t in failed_threshold_tests(card)
    ]
    try:
        (HubModelCard if isinstance(card, ModelCard) else DatasetCard)(readme)
    except ValueError as exc:
        problems.append(f"README metadata rejected by huggingface_hub: {exc}")
    return problems


def hub_files(card: Card) -> dict[str, str]:
    """The files a push uploads for a card, keyed by path in the repository: the README,
    the evaluation sidecars it links and a model card's `.eval_results` entries (validated
    against the documented fields). `cardgen sign` signs these with the model files."""
    from .eval_results import rendered_files

    return {
        "README.md": render(card, "hub"),
        **sidecars(card),
        **(rendered_files(card) if isinstance(card, ModelCard) else {}),
    }


def _signature(card: Card, files: dict[str, str], root: str | Path) -> bytes | None:
    """The card's `cardgen sign` signature, when there is one and it covers `files` as
    they are now; a signature over other bytes is refused (pushing it would publish a
    signature that fails)."""
    from .._io import sha256_bytes
    from ..binding import SIGNATURE_FILE, signed_files
    from ..facts import facts_dir

    path = facts_dir(card.name, root) / SIGNATURE_FILE
    if not path.is_file():
        return None
    signed = signed_files(path)
    stale = sorted(
        name for name, text in files.items() if signed.get(name) != sha256_bytes(text.encode())
    )
    if stale:
        raise CardgenError(
            f"{path} does not cover {', '.join(stale)} as rendered now; run `cardgen sign` "
            "again (or delete the signature to push without it)"
        )
    return path.read_bytes()


def push_card(
    spec_path: str | Path,
    repo_id: str | None = None,
    *,
    create_pr: bool = True,
    force: bool = False,
    endpoint: str | None = None,
    root: str | Path = ".",
    commit_message: str | None = None,
    dry_run: bool = False,
) -> PushResult:
    """Render a card's Hub README and commit it to a repository, as a pull request by default.

    A model card's LM evaluations go into the same commit as `.eval_results/*.yaml` entries
    (validated against the documented fields first), and so does the card's signature
    (`cardgen sign`, `.cardgen/NAME/model.sig`) as `model.sig`, once checked to cover the
    files pushed. Data and governance cards go to dataset repositories.

    The card is the spec merged with its collected facts (`merge.load_card`), rendered by
    `render.render(card, "hub")`: the README pushed is the one `cardgen render` writes.

    The token is huggingface_hub's (HF_TOKEN or `hf auth login`); it is never shown.

    Args:
        spec_path: the card spec (cards/NAME.yaml).
        repo_id: target repository; the spec's `sources.hub.repo_id` when None.
        create_pr: open a pull request (True) or commit to the default branch (False).
        force: push even if threshold tests failed or the README fails Hub checks.
        endpoint: Hub address (`HF_ENDPOINT` when None).
        root: project folder holding `.cardgen/` facts.
        commit_message: commit title; a default names the card.
        dry_run: render and check the card as a push would, but contact no Hub and need
            no token; the release gate and its exit code are the same as a real push's.

    Returns:
        Commit and pull-request URLs and the README pushed.

    Raises:
        SpecError: the spec does not validate (even `force` cannot push it).
        CardgenError: refused card (without `force`), no token, Hub failure.
    """
    from huggingface_hub import HfApi, get_token

    card = load_card(spec_path, root)
    if repo_id is None:
        hub = card.sources.hub if not isinstance(card, GovernanceCard) else None
        if hub is None:
            raise CardgenError(
                f"{spec_path}: no --repo-id given and the spec names no "
                "sources.hub.repo_id to push to"
                + (
                    " (a governance card goes to a dataset repository: pass --repo-id)"
                    if isinstance(card, GovernanceCard)
                    else ""
                )
            )
        repo_id = hub.repo_id
    readme = render(card, "hub")
    problems = check_publishable(card, readme)
    if problems and not force:
        raise CardgenError(
            "\n".join([f"not pushing {card.name} (use --force to push anyway):", *problems])
        )
    if dry_run:
        _signature(card, {"README.md": readme}, root)
        return PushResult(repo_id, None, None, None, readme)
    if not get_token():
        raise CardgenError(f"no Hugging Face token: {AUTH_HINT}")
    endpoint = resolve_endpoint(endpoint)
    # A governance card is a document of its own, published as a dataset repository's
    # README (as BigCode's is).
    repo_type = "model" if isinstance(card, ModelCard) else "dataset"
    api = HfApi(endpoint=endpoint)
    message = commit_message or f"Update {repo_type} card {card.name} (cardgen)"

    from huggingface_hub import CommitOperationAdd

    from ..binding import SIGNATURE_FILE

    # README, the evaluation sidecars it links, the .eval_results entries (validated
    # there) and the signature of `cardgen sign` go up in one commit / pull request.
    files = hub_files(card)
    operations = [
        CommitOperationAdd(path_in_repo=name, path_or_fileobj=text.encode("utf-8"))
        for name, text in files.items()
    ]
    signature = _signature(card, files, root)
    if signature is not None:
        operations.append(
            CommitOperationAdd(path_in_repo=SIGNATURE_FILE, path_or_fileobj=signature)
        )

    def upload() -> Any:
        return api.create_commit(
            repo_id=repo_id,
            repo_type=repo_type,
            operations=operations,
            create_pr=create_pr,
            commit_message=message,
            commit_description="Generated with cardgen from a card spec.",
        )

    try:
        info = with_retries(upload)
    except Exception as exc:
        raise explain(exc, f"{repo_type} {repo_id}", endpoint, None) from exc
    return PushResult(
        repo_id,
        redact(str(info.commit_url)),
        info.oid,
        redact(str(info.pr_url)) if info.pr_url else None,
        readme,
    )

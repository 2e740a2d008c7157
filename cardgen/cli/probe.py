"""`cardgen probe`: decision-discrimination scores of a causal language model.

It parses and prints; the probe is `cardgen.collect.probe`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from .._words import count
from .options import (
    card_option,
    confidence_option,
    device_option,
    dtype_option,
    endpoint_option,
    out_file_option,
    path_option,
    quiet_option,
    reports_errors,
    revision_option,
    sized_option,
)


@click.command("probe")
@click.argument("model")
@path_option(
    "--prompts",
    dir_okay=False,
    help_text="discrim-eval JSON Lines (filled_template, decision_question_id, age, "
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
@confidence_option("Confidence level of the intervals.")
@device_option
@dtype_option
@sized_option(
    "--batch-size", "Prompts per batch [default: 8 on CPU; on CUDA 32, halved on out-of-memory]."
)
@sized_option(
    "--max-length",
    "Token limit per prompt; longer prompts lose their beginning "
    "[default: the model's context length].",
)
@click.option(
    "--name", default=None, help="Evaluation name [default: discrim-eval-MODEL-FOLDER-NAME]."
)
@revision_option("Hub revision of a Hub model id.")
@endpoint_option()
@out_file_option("Write the evaluation JSON here [default: NAME.json unless --card].")
@card_option(
    "Card spec cards/NAME.yaml: store the evaluation as the "
    "fact .cardgen/NAME/probe-EVALUATION.json for the model card."
)
@quiet_option("No progress bar.")
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
    from ..collect.probe import METRIC, probe, store_probe

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
    written = store_probe(evaluation, card_path, out)
    truncated = evaluation.details.get("truncated_prompts")
    if truncated:
        click.echo(
            f"warning: {count(truncated, 'prompt')} exceeded --max-length and lost their "
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

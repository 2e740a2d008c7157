"""The `cardgen` command line: the group, its entry point, and the commands registered on it.

Each command lives in its own module here and only parses options, calls the library and
prints; shared options are in `options`. A new command: one module, one `add_command` line.
"""

from __future__ import annotations

import click

from .._version import __version__
from . import (
    audit,
    build,
    collect,
    compare,
    crosswalk,
    evaluate,
    importer,
    probe,
    profile,
    push,
    render,
    run,
    schema,
    sign,
    site,
    skeleton,
    validate,
    verify,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardgen")
def cli() -> None:
    """cardgen: Model Cards and Data Cards from Hub facts, local runs and human prose.

    Cards are written as specs in cards/NAME.yaml; collectors add facts with
    provenance; renderers produce Hub READMEs and a browsable site.
    """


cli.add_command(schema.schema_command)
cli.add_command(skeleton.init_command)
cli.add_command(validate.validate_command)
cli.add_command(render.render_command)
cli.add_command(build.build_command)
cli.add_command(build.demo_command)
cli.add_command(collect.collect)
cli.add_command(importer.import_command)
cli.add_command(push.push_command)
cli.add_command(evaluate.evaluate_command)
cli.add_command(run.run_command)
cli.add_command(probe.probe_command)
cli.add_command(profile.profile_command)
cli.add_command(site.site_group)
cli.add_command(compare.compare_command)
cli.add_command(audit.audit_command)
cli.add_command(crosswalk.crosswalk_command)
cli.add_command(sign.sign_command)
cli.add_command(sign.verify_signature_command)
cli.add_command(verify.verify_command)


def main() -> None:
    """Console entry point."""
    cli(prog_name="cardgen")

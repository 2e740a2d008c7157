"""`cardgen sign` and `cardgen verify-signature`: parse options, call `cardgen.signing`, print.

No signing logic lives here, and no key material is ever printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from .._words import count
from .options import facts_option, reports_errors


@click.command("sign")
@click.argument("card", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "private_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="PEM file of an elliptic-curve private key (P-256, P-384 or P-521).",
)
@click.option(
    "--key-password-env",
    metavar="VAR",
    default=None,
    help="Environment variable holding the key's password, for an encrypted key.",
)
@facts_option("Project folder whose .cardgen/ holds the collected facts.")
@reports_errors
def sign_command(card: Path, private_key: Path, key_password_env: str | None, root: Path) -> None:
    """Sign CARD's model files together with its rendered card (OpenSSF model signing).

    The signature covers each file the card records (`model_files`, SHA-256) and the files
    `cardgen push` uploads (README.md, evaluation sidecars, .eval_results), laid out as the
    model's repository. It is written to .cardgen/NAME/model.sig and `cardgen push` uploads
    it as model.sig. Offline: the key never leaves this machine.
    """
    from ..signing import sign_card

    password = None
    if key_password_env:
        password = os.environ.get(key_password_env)
        if password is None:
            raise click.UsageError(f"--key-password-env: ${key_password_env} is not set")
    report = sign_card(card, private_key, root=root, password=password)
    click.echo(f"signed {count(len(report.files), 'file')}: {report.signature}")
    for name in sorted(report.files):
        click.echo(f"  {name}")


@click.command("verify-signature")
@click.argument("card", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "public_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="PEM file of the public key that matches the signing key.",
)
@click.option(
    "--signature",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Signature to check [default: .cardgen/NAME/model.sig].",
)
@facts_option("Project folder whose .cardgen/ holds the collected facts.")
@reports_errors
def verify_signature_command(
    card: Path, public_key: Path, signature: Path | None, root: Path
) -> None:
    """Check CARD's signature against its model files and the card rendered now.

    Exit code 1 when the signature does not verify with the key, or when a file changed
    since it was signed (each such file is named, with both digests).
    """
    from ..signing import verify_card_signature

    report = verify_card_signature(card, public_key, root=root, signature=signature)
    click.echo(f"{report.signature}: valid for {count(len(report.files), 'file')}")

"""Sign a model card together with the model files it describes, and check such a signature.

It uses OpenSSF model signing (`model-signing`) with a local elliptic-curve key, offline;
it never writes a key, and the only file it writes is the signature.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._io import atomic_write_bytes, sha256_file
from .binding import SIGNATURE_FILE, disk_drift, signed_files
from .errors import CardgenError
from .facts import facts_dir
from .merge import load_card
from .schema import ModelCard


@dataclass(frozen=True)
class SignatureReport:
    """What a signature covers: the files by name, with their SHA-256."""

    signature: Path
    files: dict[str, str]


def _model_signing() -> Any:
    try:
        import model_signing
    except ImportError as exc:
        raise CardgenError(
            "signing needs OpenSSF model signing: pip install 'cardgen[sign]'"
        ) from exc
    return model_signing


def _bound_card(spec_path: str | Path, root: str | Path) -> ModelCard:
    card = load_card(spec_path, root)
    if not isinstance(card, ModelCard) or not card.file_digests:
        raise CardgenError(
            f"{spec_path}: the card records no model files; name them under `model_files:` "
            "(or run the model with a `sources.run` entry) and run `cardgen build` first"
        )
    return card


@contextmanager
def _staged(card: ModelCard, spec_path: str | Path) -> Iterator[Path]:
    """The signed set as one folder, laid out as the model's repository: each model file
    under its name (a link to the file, so nothing large is copied) and the rendered card
    files (README.md, evaluation sidecars, .eval_results) beside them."""
    from .hub.push import hub_files

    spec_dir = Path(spec_path).parent
    card_files = hub_files(card)
    clash = sorted({f.name for f in card.file_digests} & set(card_files))
    if clash:
        raise CardgenError(
            f"model file {clash[0]!r} has the name of a file the card renders; rename it"
        )
    with tempfile.TemporaryDirectory(prefix="cardgen-sign-") as tmp:
        folder = Path(tmp) / card.name
        for f in card.file_digests:
            source = Path(f.path) if Path(f.path).is_absolute() else spec_dir / f.path
            if not source.is_file():
                raise CardgenError(f"{source}: model file not found")
            target = folder / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source.resolve(), target)
        for name, text in card_files.items():
            atomic_write_bytes(folder / name, text.encode("utf-8"))
        yield folder


def _hashing(model_signing: Any) -> Any:
    # Model files are linked into the staged folder; the library follows the links.
    return model_signing.hashing.Config().set_allow_symlinks(True)


def signature_path(card_name: str, root: str | Path = ".") -> Path:
    """Where `cardgen sign` keeps a card's signature (and `cardgen push` finds it)."""
    return facts_dir(card_name, root) / SIGNATURE_FILE


def sign_card(
    spec_path: str | Path,
    private_key: str | Path,
    *,
    root: str | Path = ".",
    password: str | None = None,
) -> SignatureReport:
    """Sign the card's model files together with its rendered card files.

    The signed set is what a Hub repository holds: the model files under their names
    (`file_digests`) and the files `cardgen push` uploads (README.md, evaluation
    sidecars, `.eval_results`). The signature, an OpenSSF model-signing bundle, goes to
    `.cardgen/NAME/model.sig`; `push` uploads it as `model.sig`, and `model_signing verify`
    checks it on a clone of the repository.

    Args:
        spec_path: the card spec.
        private_key: PEM file of an elliptic-curve private key (P-256, P-384 or P-521).
        root: project folder holding `.cardgen/`.
        password: the key's password, when it is encrypted.

    Raises:
        CardgenError: the card records no model files, a file changed since the card
            recorded it, or the key cannot be read.
    """
    model_signing = _model_signing()
    card = _bound_card(spec_path, root)
    changed = disk_drift(card, spec_path, root)
    if changed:
        raise CardgenError(
            "\n".join(
                [
                    f"{spec_path}: model files differ from the card; run `cardgen build` first:",
                    *changed,
                ]
            )
        )
    out = signature_path(card.name, root)
    with _staged(card, spec_path) as folder:
        config = model_signing.signing.Config().set_hashing_config(_hashing(model_signing))
        try:
            config.use_elliptic_key_signer(private_key=Path(private_key), password=password)
            written = folder.parent / SIGNATURE_FILE
            config.sign(folder, written)
        except (ValueError, TypeError, OSError) as exc:
            raise CardgenError(f"{private_key}: cannot sign with this key: {exc}") from None
        atomic_write_bytes(out, written.read_bytes())
    return SignatureReport(out, signed_files(out))


def verify_card_signature(
    spec_path: str | Path,
    public_key: str | Path,
    *,
    root: str | Path = ".",
    signature: str | Path | None = None,
) -> SignatureReport:
    """Check a card's signature against its model files and its card files as rendered now.

    Raises:
        CardgenError: the signature does not verify with the key, or a file differs from
            what was signed (each such file named, with both digests).
    """
    model_signing = _model_signing()
    from cryptography.exceptions import InvalidSignature

    card = _bound_card(spec_path, root)
    sig = Path(signature) if signature is not None else signature_path(card.name, root)
    if not sig.is_file():
        raise CardgenError(f"{sig}: no signature; run `cardgen sign` first")
    signed = signed_files(sig)
    with _staged(card, spec_path) as folder:
        config = model_signing.verifying.Config().set_hashing_config(_hashing(model_signing))
        try:
            config.use_elliptic_key_verifier(public_key=Path(public_key))
            config.verify(folder, sig)
        except (ValueError, InvalidSignature, OSError) as exc:
            if not str(exc).startswith("Signature mismatch"):
                raise CardgenError(
                    f"{sig}: the signature does not verify with {public_key}: "
                    f"{exc or type(exc).__name__}"
                ) from None
            raise CardgenError(
                "\n".join(
                    [f"{sig}: files differ from what was signed:", *_differences(folder, signed)]
                )
            ) from None
    return SignatureReport(sig, signed)


def _differences(folder: Path, signed: dict[str, str]) -> list[str]:
    now = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    lines = []
    for name in sorted(signed.keys() | now.keys()):
        if name not in now:
            lines.append(f"{name}: signed, but no longer part of the card")
        elif name not in signed:
            lines.append(f"{name}: not signed")
        elif signed[name] != now[name]:
            lines.append(f"{name}: changed (signed sha256 {signed[name]}, now {now[name]})")
    return lines

"""Locate files cardgen ships (templates, example specs, data), in a wheel or a checkout.

Lookup only; rendering lives elsewhere.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # A wheel carries shipped folders inside the package; a checkout keeps them at the top.
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"cardgen's {name} are missing (looked in {_PACKAGE_DIR / name} and "
        f"{_PACKAGE_DIR.parent / name}); reinstall cardgen"
    )


def examples_dir() -> Path:
    """The example card specs (`examples/cards` in a checkout)."""
    return _shipped("examples/cards")


def data_dir() -> Path:
    """Data shipped with cardgen (`cardgen/data`): the Adult example, discrim-eval prompts."""
    return _PACKAGE_DIR / "data"


def templates_dir() -> Path:
    """The folder holding cardgen's Jinja templates.

    An installed wheel carries them as `cardgen/templates`; a checkout (or an editable
    install) keeps them in the repository's top-level `templates/`.
    """
    return _shipped("templates")

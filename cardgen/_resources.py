"""Locate files cardgen ships: the Jinja templates, in a wheel or in a checkout.

Lookup only; rendering lives elsewhere.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """The folder holding cardgen's Jinja templates.

    An installed wheel carries them as `cardgen/templates`; a checkout (or an editable
    install) keeps them in the repository's top-level `templates/`.
    """
    for candidate in (_PACKAGE_DIR / "templates", _PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"cardgen's templates are missing (looked in {_PACKAGE_DIR / 'templates'} and "
        f"{_PACKAGE_DIR.parent / 'templates'}); reinstall cardgen"
    )

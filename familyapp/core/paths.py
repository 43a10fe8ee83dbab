"""Where templates, static files and catalogs live, in a checkout or in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """Return the folder `name` (templates, static, translations) for this install."""
    # A wheel carries them inside the package (pyproject force-include); a checkout keeps them
    # at the top level beside the package, as design.md lays out.
    installed = _PACKAGE / "_resources" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name

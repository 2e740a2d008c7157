"""cardgen: typed Model Cards and Data Cards from Hub facts, local runs and human prose.

The public Python surface; each CLI command is one call here.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("cardgen")
except _metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

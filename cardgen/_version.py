"""The installed cardgen version, read from the package metadata.

It imports nothing of cardgen's, so `cardgen --version` stays fast.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("cardgen")
except _metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

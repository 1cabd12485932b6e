"""Where tfgan_gp keeps what it measures or computes once per machine (the precision probe, reference statistics).

``$TFGAN_GP_CACHE`` moves it; the default is ``~/.cache/tfgan_gp``.
"""
import os


def path(*parts):
    """A path under the cache directory."""
    root = os.environ.get("TFGAN_GP_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "tfgan_gp")
    return os.path.join(root, *parts)

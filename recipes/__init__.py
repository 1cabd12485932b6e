"""Runnable reproductions of the paper's experiments: ``python -m recipes.<name>`` (installed: ``tfgan_gp_recipes``).

Importing the package keeps TensorFlow's C++ start-up lines (oneDNN notes, and on machines without an
NVIDIA driver the CUDA stub and ``cuInit`` messages) off the terminal; set ``TF_CPP_MIN_LOG_LEVEL=0``
to see everything.
"""
import contextlib
import os


def _has_nvidia_driver():
    return os.path.exists("/proc/driver/nvidia") or os.path.exists("/dev/nvidiactl")


@contextlib.contextmanager
def _stderr_silenced():
    """File descriptor 2 to /dev/null for the duration (C++ logging writes there directly)."""
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2" if _has_nvidia_driver() else "3"
    with _stderr_silenced():
        import tensorflow  # noqa: F401  (its shared libraries log at load time)

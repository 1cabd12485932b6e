"""A run directory is the run's identity: its config says what was trained, its lock says who is training.

Layout of ``LOGDIR``::

    run_config.json      {"recipe": name, "architecture": name for tfgan_gp.architectures.get,
                          "generator_kwargs": {...}, "critic_kwargs": {...}, "latent_dim": int,
                          "num_classes": int | null, "train": {TrainConfig fields}, ...recipe extras}
    checkpoints/         see tfgan_gp.checkpoints
    .lock                held (fcntl) by the process training in the directory

A re-run continues the stored run only when everything that defines it is the same; the
settings in :data:`MAY_CHANGE` (how long and how to run, not what) may differ.
"""
import contextlib
import fcntl
import json
import os
import tempfile

CONFIG_FILE = "run_config.json"
LOCK_FILE = ".lock"
MAY_CHANGE = ("train.iterations", "train.eval_every", "train.export", "train.precision", "train.distribute",
              "train.logdir", "precision", "train.sample_from")
"""Settings a resumed run may change: its length, evaluation cadence, export, precision, strategy and the
generator that samples (raw or averaged)."""


class RunDirectoryError(ValueError):
    """The run directory cannot be used: it holds another run, another process trains in it, or it is not writable."""


def check_writable(logdir):
    """Raise :class:`RunDirectoryError` unless ``logdir`` is (or can be made) a directory we can write in."""
    if os.path.exists(logdir) and not os.path.isdir(logdir):
        raise RunDirectoryError(f"The log directory {logdir} is a file: give a directory path. "
                                f"Received: logdir={logdir!r}")
    try:
        os.makedirs(logdir, exist_ok=True)
        with tempfile.TemporaryFile(dir=logdir):
            pass
    except OSError as err:
        raise RunDirectoryError(f"Cannot write in the log directory {logdir} ({err.strerror}). "
                                f"Received: logdir={logdir!r}") from None


def save_config(logdir, **config):
    """Write ``run_config.json`` atomically (JSON-serialisable values only)."""
    os.makedirs(logdir, exist_ok=True)
    text = json.dumps(config, indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".run_config.", dir=logdir)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(logdir, CONFIG_FILE))


def load_config(logdir):
    """Read ``run_config.json``; a clear error when ``logdir`` is not a run directory."""
    path = os.path.join(logdir, CONFIG_FILE)
    if not os.path.exists(path):
        raise ValueError(f"{logdir!r} is not a tfgan_gp run directory: it has no {CONFIG_FILE}. "
                         f"Received: logdir={logdir!r}")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not readable JSON ({err}): restore it from a backup or start a new "
                         f"run directory. Received: logdir={logdir!r}") from None


def differences(stored, new, prefix=""):
    """``{dotted key: (stored value, new value)}`` for every setting that differs, except :data:`MAY_CHANGE`."""
    found = {}
    for key in sorted(set(stored) | set(new)):
        name = f"{prefix}{key}"
        a, b = stored.get(key), new.get(key)
        if name in MAY_CHANGE or a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            found.update(differences(a, b, prefix=f"{name}."))
        else:
            found[name] = (a, b)
    return found


def check_same_run(logdir, config, defaults=None):
    """Raise :class:`RunDirectoryError` if ``logdir`` holds a run whose config differs from ``config``.

    ``defaults`` (``{"train": {setting: default}}``): values of settings added since the stored run was written,
    which its config lacks (a setting's default keeps the behaviour from before it existed).
    """
    if not os.path.exists(os.path.join(logdir, CONFIG_FILE)):
        return
    stored = load_config(logdir)
    for key, values in (defaults or {}).items():
        stored[key] = {**values, **stored.get(key, {})}
    differ = differences(stored, config)
    if differ:
        listed = ", ".join(f"{_flag(k)} {a!r} -> {b!r}" for k, (a, b) in differ.items())
        raise RunDirectoryError(
            f"{logdir} holds a different run ({listed}): re-run with its settings to continue it, or choose a "
            f"new log directory. Nothing was changed.")


def _flag(key):
    """Recipes store their command-line flags under ``flags``: show those as ``--name``."""
    return "--" + key[len("flags."):] if key.startswith("flags.") else key


@contextlib.contextmanager
def lock(logdir):
    """Hold ``LOGDIR/.lock`` while training; another process gets a :class:`RunDirectoryError` at once.

    The lock is an ``fcntl`` lock, so the system releases it when the process dies (even by SIGKILL).
    """
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, LOCK_FILE)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunDirectoryError(f"{holder} is training in {logdir}: wait for it to finish, or choose another "
                                   f"log directory.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

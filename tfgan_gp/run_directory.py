"""A run directory is the run's identity: its record says what was trained, its lock says who is training.

Layout of ``LOGDIR``::

    run_config.json      the RunRecord: {"format": 2, "recipe": name, "gan": GANSpec, "train": TrainConfig,
                         "precision": the dtype policy applied, "settings": the recipe's own settings,
                         "assets": {role: file in LOGDIR}}
    checkpoints/         see tfgan_gp.checkpoints
    eval/metrics.jsonl   one line per evaluation (tfgan_gp.callbacks.Evaluate)
    export/              the generator's SavedModel (tfgan_gp.serving); the run owns it: training replaces it
    .lock                held (fcntl) by the process training in the directory, removed when it stops

A re-run continues the stored run only when everything that defines it is the same; the fields marked
``resumable`` (field metadata: how long and how to run, not what) may differ. Records written before
this format (no ``"format"``: the generator and critic at the top, every training setting under
``train``) are read too; the settings they did not record (optimizers, AC-GAN weights) are taken as the
re-run's.
"""
import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import tempfile
import typing

from tfgan_gp.spec import GANSpec
from tfgan_gp.train_config import RESUMABLE, TrainConfig

CONFIG_FILE = "run_config.json"
LOCK_FILE = ".lock"
FORMAT = 2


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """What identifies a run: the recipe, the GAN, how it is trained, and the files it owns.

    Attributes:
        recipe: the recipe's name.
        gan: the :class:`tfgan_gp.GANSpec` trained.
        train: the :class:`tfgan_gp.TrainConfig` (its resumable fields may change).
        precision: the dtype policy applied (``float32``, ``mixed_bfloat16``, ...; may change).
        settings: the recipe's own settings that define the run (its command-line flags: dataset, subset,
            widths), JSON values.
        assets: files of the run directory the generator needs to be used, by role (``{"vocab": "vocab.json"}``
            for the character model); the exporter packs them.
    """

    recipe: str
    gan: GANSpec
    train: TrainConfig
    precision: str = dataclasses.field(default="float32", metadata=RESUMABLE)
    settings: dict = dataclasses.field(default_factory=dict)
    assets: dict = dataclasses.field(default_factory=dict)

    def to_json(self):
        return {"format": FORMAT, **dataclasses.asdict(self)}

    @classmethod
    def from_json(cls, values, unrecorded_from=None):
        """The record of a stored dict, of this format or the one before (see the module docstring).

        ``unrecorded_from``: a record whose values stand in for the settings an old record did not store.
        """
        if "format" not in values:
            values = _from_first_format(values, unrecorded_from)
        gan = GANSpec.from_json(values.get("gan", {}))
        train = TrainConfig(**{k: v for k, v in values.get("train", {}).items() if k in _field_names(TrainConfig)})
        return cls(recipe=values.get("recipe", ""), gan=gan, train=train,
                   precision=values.get("precision", "float32"), settings=dict(values.get("settings", {})),
                   assets=dict(values.get("assets", {})))

    def save(self, logdir):
        """Write ``LOGDIR/run_config.json`` atomically, readable by others as the umask allows."""
        os.makedirs(logdir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".run_config.", dir=logdir)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(self.to_json(), indent=2, sort_keys=True))
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, os.path.join(logdir, CONFIG_FILE))

    @classmethod
    def load(cls, logdir, unrecorded_from=None):
        """The record stored in ``logdir``; one sentence when ``logdir`` is not a run directory or the file is bad."""
        values = load_config(logdir)
        try:
            return cls.from_json(values, unrecorded_from)
        except (TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"{os.path.join(logdir, CONFIG_FILE)} does not describe a run this version can read "
                             f"({err}). Received: logdir={logdir!r}") from None

    def asset(self, logdir, role):
        """The path of the asset ``role`` in ``logdir`` (``None`` when the run has none)."""
        name = self.assets.get(role)
        return os.path.join(logdir, name) if name else None


def _field_names(cls):
    return {f.name for f in dataclasses.fields(cls)}


def umask():
    """The process' file-creation mask, read from ``/proc`` where it can be (setting it to read it races with threads
    creating files; the fallback sets a strict one for that instant)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


_SPEC_KEYS_OF_FIRST_FORMAT = ("loss", "penalty", "n_critic", "ema_decay", "ema_start", "sample_from", "augment",
                              "augment_policy")


def _from_first_format(old, unrecorded_from):
    """A first-format record (``train`` held every setting, the models at the top) in this format's layout."""
    train = dict(old.get("train", {}))
    fill = unrecorded_from.gan.to_json() if unrecorded_from is not None else {}
    gan = {k: v for k, v in fill.items() if k in ("optimizer", "critic_optimizer", "ac_critic_weight",
                                                  "ac_generator_weight", "generator_batch_multiple")}
    gan.update(architecture=old.get("architecture"), generator_kwargs=old.get("generator_kwargs", {}),
               critic_kwargs=old.get("critic_kwargs", {}), latent_dim=old.get("latent_dim"),
               num_classes=old.get("num_classes"), penalty_weight=train.get("lambda_gp"),
               **{k: train[k] for k in _SPEC_KEYS_OF_FIRST_FORMAT if k in train})
    settings = dict(old.get("flags", {}))
    assets = {"vocab": old["vocab_file"]} if old.get("vocab_file") else {}
    return {"format": FORMAT, "recipe": old.get("recipe", ""), "gan": gan, "precision": old.get("precision", "float32"),
            "train": {k: v for k, v in train.items() if k in _field_names(TrainConfig)},
            "settings": settings, "assets": assets}


def _resumable_paths(cls, prefix=""):
    """Dotted paths of the fields marked resumable in ``cls`` and the record types it holds."""
    paths = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("resumable"):
            paths.add(prefix + f.name)
        elif dataclasses.is_dataclass(hints.get(f.name)):
            paths |= _resumable_paths(hints[f.name], f"{prefix}{f.name}.")
    return paths


RESUMABLE_PATHS = frozenset(_resumable_paths(RunRecord))
"""Settings a resumed run may change: its length, evaluation cadence, export, precision, strategy, log
directory and the generator that samples (raw or averaged)."""


def differences(stored, new):
    """``{dotted key: (stored value, new value)}`` of two records, except the resumable fields."""
    return _differences(stored.to_json(), new.to_json(), "")


def _differences(a, b, prefix):
    found = {}
    for key in sorted(set(a) | set(b)):
        name = f"{prefix}{key}"
        x, y = a.get(key), b.get(key)
        if name in RESUMABLE_PATHS or x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            found.update(_differences(x, y, f"{name}."))
        else:
            found[name] = (x, y)
    return found


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


def write_failure(err):
    """Why a write failed, in a few words: the system's reason (``No space left on device``, ``Permission denied``)
    of an ``OSError`` or a TensorFlow file error."""
    reason = getattr(err, "strerror", None) or getattr(err, "message", None) or str(err) or type(err).__name__
    full = "No space left on device"
    return full if full in reason else reason.strip().splitlines()[0]


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


def check_same_run(logdir, record):
    """Raise :class:`RunDirectoryError` if ``logdir`` holds a run whose record differs from ``record``."""
    if not os.path.exists(os.path.join(logdir, CONFIG_FILE)):
        return
    differ = differences(RunRecord.load(logdir, unrecorded_from=record), record)
    if differ:
        listed = ", ".join(f"{_setting(k)} {a!r} -> {b!r}" for k, (a, b) in differ.items())
        raise RunDirectoryError(
            f"{logdir} holds a different run ({listed}): re-run with its settings to continue it, or choose a "
            f"new log directory. Nothing was changed.")


def _setting(key):
    """How a user sets ``key``: a recipe's own settings are its flags (``--name``), the rest by their field."""
    return "--" + key[len("settings."):] if key.startswith("settings.") else key


@contextlib.contextmanager
def claim(logdir, record, progress):
    """Check that ``logdir`` can hold the run ``record`` (:func:`check_writable`, :func:`check_same_run`) and run the
    block holding its :func:`lock`.

    A start that fails while the directory holds nothing to resume (``progress(logdir)`` is false: no checkpoint)
    leaves no trace: what it added to ``logdir`` is removed, and ``logdir`` itself when this start created it, so
    the corrected command starts afresh instead of being refused by the record of a run that never ran.
    """
    existed = os.path.lexists(logdir)
    before = set(os.listdir(logdir)) if os.path.isdir(logdir) else set()
    try:
        check_writable(logdir)
        check_same_run(logdir, record)
        with lock(logdir):
            try:
                yield
            except BaseException:
                if not progress(logdir):
                    _remove_added(logdir, before)
                raise
    finally:
        if not existed:
            with contextlib.suppress(OSError):
                os.rmdir(logdir)  # only when empty: a start that created it and failed


def _remove_added(logdir, before):
    """Remove the entries of ``logdir`` that are not in ``before`` (the lock file is :func:`lock`'s)."""
    for name in set(os.listdir(logdir)) - before - {LOCK_FILE}:
        path = os.path.join(logdir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.remove(path)


@contextlib.contextmanager
def lock(logdir):
    """Hold ``LOGDIR/.lock`` while training; another process gets a :class:`RunDirectoryError` at once.

    The lock is an ``fcntl`` lock, so the system releases it when the process dies (even by SIGKILL: the file
    stays, unlocked, and the next start takes it). On release the file is removed while still locked. A start
    that opened the file just before that would lock a removed file, so a start checks, once it holds the lock,
    that the file at the path is the one it locked, and opens the path again if not: two processes never hold
    the lock together.
    """
    path = os.path.join(logdir, LOCK_FILE)
    while True:
        os.makedirs(logdir, exist_ok=True)
        try:
            handle = open(path, "a+")
        except FileNotFoundError:  # a failed start removed the directory it had created: make it again
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunDirectoryError(f"{holder} is training in {logdir}: wait for it to finish, or choose another "
                                   f"log directory.") from None
        if _is_at(handle, path):
            break
        handle.close()  # the holder removed it meanwhile: lock the file now at the path
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        handle.close()  # (releases the lock)


def _is_at(handle, path):
    """Whether the open file ``handle`` is the file at ``path``."""
    try:
        at = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(handle.fileno())
    return (mine.st_dev, mine.st_ino) == (at.st_dev, at.st_ino)

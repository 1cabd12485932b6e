"""Numeric precision: pick and apply a Keras dtype policy, by measurement where it matters.

Names: ``float32``, ``mixed_float16``, ``mixed_bfloat16`` and ``auto``.

``auto`` chooses

* ``mixed_float16`` on a GPU of compute capability >= 7.0 (tensor cores).
  :meth:`tfgan_gp.GAN.compile` then wraps both optimizers in a
  ``LossScaleOptimizer``; the penalty, the critic's score and the generator's
  samples stay float32.
* on a CPU, ``mixed_bfloat16`` only when a short timed probe shows bfloat16
  convolutions *and* matrix products at least :data:`BF16_MIN_SPEEDUP` times
  faster than float32, else ``float32``. CPUs with native bfloat16
  (``avx512_bf16``/``amx_bf16`` on x86) run it about 1.9x faster; CPUs without
  it (AVX2 only) emulate it about 9x *slower*, so the probe keeps them in
  float32. The probe takes about a second and its result is cached per
  machine (CPU model, CPU flags, TensorFlow version) in
  ``$TFGAN_GP_CACHE`` (default ``~/.cache/tfgan_gp``) ``/precision_probe.json``.

The choice and its reason are logged once per process (logger
``tfgan_gp.precision``, level INFO).
"""
import hashlib
import json
import logging
import os
import platform
import time
import warnings

import keras
import tensorflow as tf

from tfgan_gp import cache

NAMES = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
BF16_MIN_SPEEDUP = 1.3          # bf16 must beat float32 by this factor to be chosen on a CPU
MIN_TENSOR_CORE_CAPABILITY = (7, 0)
CACHE_FILE = "precision_probe.json"

_log = logging.getLogger(__name__)
_logged = set()


class Choice:
    """A resolved precision: the Keras policy name and why it was chosen."""

    def __init__(self, policy, reason):
        self.policy = policy
        self.reason = reason

    def __repr__(self):
        return f"Choice(policy={self.policy!r}, reason={self.reason!r})"


def cpu_flags():
    """The CPU feature flags from ``/proc/cpuinfo`` (empty where there is no such file)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_model():
    """The CPU's model name (``/proc/cpuinfo``), or ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def native_bf16_cpu():
    """True where the CPU advertises bfloat16 arithmetic (x86 ``avx512_bf16``/``amx_bf16``, Arm ``bf16``).

    Informational only: :func:`resolve` decides by timing, not by flags.
    """
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16", "bf16"})


def _seconds(fn):
    start = time.perf_counter()
    fn().numpy()
    return time.perf_counter() - start


def _speedup(f32, bf16, rounds):
    """``t_f32 / t_bf16``, each the best of up to ``rounds`` runs taken in turn after a warm-up.

    Alternating the two keeps a busy (shared) machine's load from favouring one
    of them; the loop stops early once bf16 is clearly slower (emulated).
    """
    f32(), bf16()  # warm-up: tracing and kernel set-up are not timed
    t32 = t16 = float("inf")
    for i in range(rounds):
        t32, t16 = min(t32, _seconds(f32)), min(t16, _seconds(bf16))
        if i >= 1 and t16 > 2.0 * t32:
            break
    return t32 / t16


def bf16_speedup(rounds=7, batch=8, size=32, channels=128, matmul_size=1024):
    """Measured speed of bfloat16 over float32 on this CPU: ``min(conv, matmul)`` time ratio.

    Times a 3x3 convolution like the CIFAR ResNet's (``batch x size x size x
    channels`` to ``channels`` filters, 2.4 GFLOP) and a square matmul of side
    ``matmul_size`` (2.1 GFLOP) in each dtype and returns the smaller of the
    two ratios ``t_f32 / t_bf16`` (> 1: bf16 faster). About a second with
    native bf16 (tracing included), a few seconds where bf16 is emulated.
    """
    with tf.device("/CPU:0"):
        rng = tf.random.Generator.from_seed(0)
        x = rng.normal((batch, size, size, channels))
        w = rng.normal((3, 3, channels, channels))
        a = rng.normal((matmul_size, matmul_size))

        def conv(dtype):
            return tf.function(lambda: tf.nn.conv2d(tf.cast(x, dtype), tf.cast(w, dtype), 1, "SAME"),
                               autograph=False)

        def matmul(dtype):
            return tf.function(lambda: tf.matmul(tf.cast(a, dtype), tf.cast(a, dtype)), autograph=False)

        return min(_speedup(op(tf.float32), op(tf.bfloat16), rounds) for op in (conv, matmul))


def _cache_path():
    return cache.path(CACHE_FILE)


def _machine_key():
    text = "|".join([platform.machine(), cpu_model(), " ".join(sorted(cpu_flags())), tf.__version__])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_bf16_speedup(path=None):
    """:func:`bf16_speedup`, measured once per machine and remembered in a JSON file.

    An unreadable or unwritable cache only costs a new measurement.
    """
    path = path or _cache_path()
    key = _machine_key()
    cache = _cache_read(path)
    known = _speedup_in(cache)
    if known:
        return known
    speedup = bf16_speedup()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        cache[key] = {"bf16_speedup": speedup, "cpu": cpu_model(), "tf": tf.__version__}
        partial = f"{path}.{os.getpid()}"  # whole or not at all: other processes may read it meanwhile
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(cache, f, indent=1)
        os.replace(partial, path)
    except OSError:
        pass
    return speedup


def _cache_read(path=None):
    """The probe cache as a dict (``{}`` when missing or unreadable)."""
    try:
        with open(path or _cache_path(), encoding="utf-8") as f:
            cache = json.load(f)
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def _speedup_in(cache):
    """This machine's bfloat16 speedup in a probe cache dict, or ``None`` if it was never measured."""
    try:
        return float(cache[_machine_key()]["bf16_speedup"])
    except (KeyError, TypeError, ValueError):
        return None


def _gpu_capability():
    """Best compute capability over visible GPUs, ``(0, 0)`` if unknown; ``None`` without a GPU."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    capabilities = [tf.config.experimental.get_device_details(g).get("compute_capability") or (0, 0)
                    for g in gpus]
    return max(tuple(c) for c in capabilities)


def check_name(name):
    """Raise ``ValueError`` unless ``name`` is one of :data:`NAMES`."""
    if name not in NAMES:
        raise ValueError(f"precision must be one of {', '.join(NAMES)}. Received: precision={name!r}")


def resolve(name="auto", probe=None):
    """The :class:`Choice` for ``name``; only ``auto`` measures anything.

    Args:
        name: one of :data:`NAMES`.
        probe: callable returning bfloat16's speedup over float32 on this CPU
            (default :func:`cached_bf16_speedup`); injectable for tests.
    """
    check_name(name)
    if name != "auto":
        _warn_if_slow(name)
        return Choice(name, "requested")
    capability = _gpu_capability()
    if capability is not None:
        if capability >= MIN_TENSOR_CORE_CAPABILITY:
            return Choice("mixed_float16", f"GPU with compute capability {capability}: float16 tensor cores")
        return Choice("float32", f"GPU with compute capability {capability} < 7.0: no tensor cores")
    speedup = float((probe or cached_bf16_speedup)())
    verdict = "at least" if speedup >= BF16_MIN_SPEEDUP else "below"
    reason = (f"CPU probe: bfloat16 runs {speedup:.2f}x as fast as float32, {verdict} the "
              f"{BF16_MIN_SPEEDUP}x threshold")
    return Choice("mixed_bfloat16" if speedup >= BF16_MIN_SPEEDUP else "float32", reason)


def _warn_if_slow(name, native_bf16=None):
    """Warn once when a requested reduced precision runs emulated, hence slower than float32, on this machine.

    Decided from the CPU's flags (a named precision never runs the timing probe); the slowdown
    quoted is the probe's, if this machine measured it before, else the figure measured on
    AVX2-only CPUs (../shared/bench: bfloat16 about 9x slower than float32).
    """
    if name == "float32" or _gpu_capability() is not None:
        return
    if name == "mixed_float16":
        message = ("precision=mixed_float16 without a GPU: CPUs have no fast float16 kernels, so training runs "
                   "slower than in float32 (use float32 or auto here)")
    else:
        if native_bf16_cpu() if native_bf16 is None else native_bf16:
            return
        measured = _speedup_in(_cache_read())
        slowdown = (f"measured {1 / measured:.1f}x slower than float32 here" if measured
                    else "about 9x slower than float32 on such CPUs")
        message = (f"precision=mixed_bfloat16 on a CPU without native bfloat16: {slowdown} "
                   f"(use float32 or auto)")
    if message not in _logged:
        _logged.add(message)
        warnings.warn(message, stacklevel=3)


def set_precision(name="auto", probe=None):
    """Resolve ``name`` (see :func:`resolve`), set it as Keras' global dtype policy, return the policy name.

    Set it before building the models: layers take the global policy when they are created.
    """
    choice = resolve(name, probe)
    keras.mixed_precision.set_global_policy(choice.policy)
    message = f"precision={name}: using {choice.policy} ({choice.reason})"
    if message not in _logged:
        _logged.add(message)
        _log.info(message)
    return choice.policy

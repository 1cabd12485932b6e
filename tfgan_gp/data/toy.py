"""The paper's 2-D toy distributions (Gulrajani et al. 2017, §4 / gan_toy.py), as infinite sources.

Scales follow the authors' code, so that results and plots are comparable:

* ``8gaussians``: centres on the circle of radius 2 at multiples of 45°,
  std 0.02, then everything divided by 1.414.
* ``25gaussians``: centres on the grid {-2, …, 2}² × 2, std 0.05, divided by 2.828.
* ``swissroll``: sklearn's ``make_swiss_roll(noise=0.25)`` (t = 1.5π(1 + 2u),
  points (t·cos t, t·sin t) + N(0, 0.25²)), divided by 7.5; generated here.

Mixture datasets expose their (scaled) centres for mode metrics via :func:`centres`.
"""
import math

import numpy as np
import tensorflow as tf

_S = 1.0 / math.sqrt(2.0)
_RAW_CENTRES = {
    "8gaussians": (np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (_S, _S), (_S, -_S), (-_S, _S), (-_S, -_S)])
                   * 2.0, 0.02, 1.414),
    "25gaussians": (np.array([(2.0 * x, 2.0 * y) for x in range(-2, 3) for y in range(-2, 3)]), 0.05, 2.828),
}
SWISSROLL_NOISE, SWISSROLL_SCALE = 0.25, 7.5
NAMES = ("8gaussians", "25gaussians", "swissroll")


def _check(name):
    if name not in NAMES:
        raise ValueError(f"Unknown toy dataset: expected one of {', '.join(NAMES)}. Received: {name!r}")


def centres(name):
    """Mode centres in data space (after scaling), float32 ``(K, 2)``; ``None`` for the Swiss roll."""
    _check(name)
    if name not in _RAW_CENTRES:
        return None
    raw, _, scale = _RAW_CENTRES[name]
    return (raw / scale).astype(np.float32)


def scale(name):
    """The factor the authors divided the raw data by (1.414, 2.828, 7.5)."""
    _check(name)
    return _RAW_CENTRES[name][2] if name in _RAW_CENTRES else SWISSROLL_SCALE


def sample(name, n, seed):
    """``n`` points ``(n, 2)`` float32, a pure function of the stateless ``seed`` (shape ``[2]``)."""
    _check(name)
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3)
    if name == "swissroll":
        t = 1.5 * math.pi * (1.0 + 2.0 * tf.random.stateless_uniform([n], seeds[0]))
        roll = tf.stack([t * tf.cos(t), t * tf.sin(t)], axis=1)
        return (roll + SWISSROLL_NOISE * tf.random.stateless_normal([n, 2], seeds[1])) / SWISSROLL_SCALE
    raw, std, scale_ = _RAW_CENTRES[name]
    index = tf.random.stateless_uniform([n], seeds[0], 0, len(raw), dtype=tf.int32)
    points = tf.gather(tf.constant(raw, tf.float32), index) + std * tf.random.stateless_normal([n, 2], seeds[1])
    return points / scale_


def dataset(name, seed=0, block=4096):
    """Infinite ``tf.data`` source of single points, drawn in blocks of ``block`` for speed."""
    _check(name)
    return (tf.data.Dataset.counter()
            .map(lambda i: sample(name, block, tf.stack([tf.cast(seed, tf.int64), i])))
            .unbatch())

"""Random draws that do not depend on how a batch is split across ``tf.distribute`` replicas.

Every replica draws the values for the *global* batch from the same seed and keeps
its own rows, so a step on R replicas sees exactly the noise, labels and
interpolation coefficients that a single-device step on the same global batch
sees. The cost is R times more random numbers, negligible next to the networks.

:func:`latent` is the stateless noise of ``GAN.sample`` and of the exported ``sample`` signatures,
plain or truncated (the truncation trick).
"""
import math

import keras
import numpy as np
import tensorflow as tf

from tfgan_gp.distribute import replica_position


def _draw(sampler, shape, seed):
    replica, replicas = replica_position()
    if replicas == 1:
        return sampler(shape, seed)
    n = shape[0]
    everything = sampler([n * replicas] + list(shape[1:]), seed)
    return everything[replica * n:(replica + 1) * n]


def normal(shape, seed, dtype="float32"):
    """This replica's rows of ``N(0, 1)`` draws for the global batch (``shape[0]`` is local)."""
    return _draw(lambda s, sd: keras.random.normal(s, dtype=dtype, seed=sd), shape, seed)


def uniform(shape, seed, minval=0.0, maxval=1.0, dtype="float32"):
    """This replica's rows of ``U[minval, maxval)`` draws for the global batch."""
    return _draw(lambda s, sd: keras.random.uniform(s, minval, maxval, dtype=dtype, seed=sd), shape, seed)


def per_sample(x, seed, minval=0.0, maxval=1.0):
    """One float32 ``U[minval, maxval)`` draw per sample of ``x``, shaped to broadcast over its non-batch axes."""
    return uniform([tf.shape(x)[0]] + [1] * (len(x.shape) - 1), seed, minval, maxval)


def randint(shape, seed, minval, maxval):
    """This replica's rows of uniform integers in ``[minval, maxval)`` (int32) for the global batch."""
    return _draw(lambda s, sd: keras.random.randint(s, minval, maxval, dtype="int32", seed=sd), shape, seed)


def check_truncation(truncation):
    """``truncation`` as a float, or ``ValueError`` unless it is a finite number > 0 (the bound ψ on ``|z|``)."""
    if isinstance(truncation, bool) or not isinstance(truncation, (int, float, np.number)) \
            or not 0 < truncation < math.inf:
        raise ValueError(f"truncation must be a finite number > 0 (samples keep |z| <= truncation). "
                         f"Received: truncation={truncation!r}")
    return float(truncation)


def latent(n, latent_dim, seed, truncation=None):
    """The sampling noise ``z`` of shape ``(n, latent_dim)`` from a scalar int64 ``seed`` (stateless).

    ``GAN.sample`` and the exported ``sample`` signatures draw it, so they agree for a seed. Without
    ``truncation``: ``N(0, I)`` from ``tf.random.stateless_normal(seed=[seed, 0])``. With ``truncation=ψ``
    (the truncation trick of BigGAN, Brock et al. 2019, §3.1: components with ``|z| > ψ`` are redrawn): the
    normal restricted to ``[−ψ, ψ]``, drawn exactly and in one pass by the inverse CDF,
    ``z = √2·erfinv(v)``, ``v ~ U[−erf(ψ/√2), erf(ψ/√2))`` from ``tf.random.stateless_uniform(seed=[seed, 0])``
    (in float64, so the tails keep their precision); its variance is ``1 − 2ψφ(ψ)/(2Φ(ψ) − 1)``.
    """
    seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    shape = tf.stack([n, latent_dim])
    if truncation is None:
        return tf.random.stateless_normal(shape, seed=seed)
    psi = tf.cast(truncation, tf.float64)
    bound = tf.math.erf(psi / math.sqrt(2.0))
    v = bound * (2.0 * tf.random.stateless_uniform(shape, seed=seed, dtype=tf.float64) - 1.0)
    z = math.sqrt(2.0) * tf.math.erfinv(v)
    return tf.cast(tf.clip_by_value(z, -psi, psi), tf.float32)  # (against round-off at ±ψ)

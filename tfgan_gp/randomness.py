"""Random draws that do not depend on how a batch is split across ``tf.distribute`` replicas.

Every replica draws the values for the *global* batch from the same seed and keeps
its own rows, so a step on R replicas sees exactly the noise, labels and
interpolation coefficients that a single-device step on the same global batch
sees. The cost is R times more random numbers, negligible next to the networks.
"""
import keras

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


def randint(shape, seed, minval, maxval):
    """This replica's rows of uniform integers in ``[minval, maxval)`` (int32) for the global batch."""
    return _draw(lambda s, sd: keras.random.randint(s, minval, maxval, dtype="int32", seed=sd), shape, seed)

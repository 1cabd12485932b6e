"""Operations in the traced ``train_step`` graph, per configuration: a refactor must not make the step bigger.

    python -m benchmarks.graph_ops

Builds small GANs (the toy MLP and the 32×32 DCGAN, each with the paper's WGAN-GP and with a few other
parts), traces one ``train_step`` through ``make_train_function`` and prints one JSON line per case: the
number of operations in the step's graph, nested function bodies (the critic's ``while`` loop, the penalty's
gradient) included. The count depends on the code, not on the machine.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfgan_gp as tg  # noqa: E402
from benchmarks.common import emit  # noqa: E402

CASES = {
    "mlp-wasserstein-gp": dict(family="mlp", loss="wasserstein", penalty="gp"),
    "mlp-hinge-lecam": dict(family="mlp", loss="hinge", penalty="none+lecam"),
    "mlp-relativistic_average-r1": dict(family="mlp", loss="relativistic_average", penalty="r1"),
    "mlp-loss_sensitive-weight_decay": dict(family="mlp", loss="loss_sensitive", penalty="weight_decay"),
    "dcgan-wasserstein-gp": dict(family="dcgan", loss="wasserstein", penalty="gp"),
    "dcgan-hinge-gp+bcr": dict(family="dcgan", loss="hinge", penalty="gp+bcr"),
}
BATCH = 8
N_CRITIC = 5


def _models(family):
    if family == "mlp":
        return (tg.architectures.get("mlp").generator(latent_dim=2, output_dim=2, width=16),
                tg.architectures.get("mlp").critic(input_dim=2, width=16), 2, (2,))
    dcgan = tg.architectures.get("dcgan")
    return (dcgan.generator(latent_dim=16, image_size=32, dim=4, channels=1),
            dcgan.critic(image_size=32, dim=4, channels=1), 16, (32, 32, 1))


def count_ops(graph, seen=None):
    """Operations of ``graph`` and of every function it calls (each function body counted once)."""
    seen = set() if seen is None else seen
    total = len(graph.get_operations())
    for name, function in getattr(graph, "_functions", {}).items():
        if name not in seen:
            seen.add(name)
            total += count_ops(function.graph, seen) if hasattr(function, "graph") else 0
    return total


def step_ops(family, loss, penalty):
    keras.utils.set_random_seed(0)
    generator, critic, latent_dim, shape = _models(family)
    gan = tg.GAN(generator, critic, latent_dim=latent_dim, loss=loss, penalty=penalty, n_critic=N_CRITIC, seed=0)
    gan.compile()
    real = tf.random.normal((gan.real_batches_per_step * BATCH,) + shape)
    function = tf.function(gan.train_step, autograph=False)  # as Keras traces it
    concrete = function.get_concrete_function(real)
    return count_ops(concrete.graph)


def main():
    for case, settings in CASES.items():
        emit({"case": case, "graph_ops": step_ops(**settings)})


if __name__ == "__main__":
    main()

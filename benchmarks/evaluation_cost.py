"""What one image evaluation costs on this machine: generating samples and scoring them with InceptionV3.

    python -m benchmarks.evaluation_cost [--images 500] [--dim 128] [--precision float32]

Times, in batches of 100 (the authors' evaluation batch), the CIFAR ResNet generator (DIM 128, batch
statistics in its batch norm, as the recipe samples) and Keras' InceptionV3 (random weights: the same
arithmetic as the ImageNet ones, nothing to download) on images resized to 299×299, after one warm-up
batch each; then prints one JSON line with seconds per 1,000 images and the projected cost of the
recipes' evaluations: 5,000 samples during training, 50,000 at the end, and the one-off reference
statistics of 50,000 real images (InceptionV3 only).
"""
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_integer("images", 500, "Images timed per network (after one warm-up batch).")
flags.DEFINE_integer("dim", 128, "Width of the CIFAR ResNet generator.")
flags.DEFINE_enum("precision", "float32", ["float32", "mixed_bfloat16"], "Dtype policy of both networks.")


def _seconds_per_1000(fn, images, batch=100):
    fn(batch)  # warm-up: tracing
    start = time.perf_counter()
    for _ in range(images // batch):
        fn(batch)
    return (time.perf_counter() - start) / (images // batch * batch) * 1000


def main(argv):
    del argv
    import keras
    import numpy as np
    import tensorflow as tf

    import tfgan_gp as tg
    from tfgan_gp.architectures import resnet_cifar
    from tfgan_gp.metrics.classifiers import KerasClassifier
    from tfgan_gp.precision import cpu_flags, cpu_model

    keras.mixed_precision.set_global_policy(FLAGS.precision)
    gan = tg.GAN(resnet_cifar.generator(dim=FLAGS.dim), resnet_cifar.critic(dim=8), latent_dim=128, seed=0)
    inception = KerasClassifier(keras.applications.InceptionV3(weights=None, classifier_activation=None),
                                "avg_pool", image_size=299, name="inception_v3")
    fixed = np.random.default_rng(0).uniform(-1, 1, (100, 32, 32, 3)).astype("float32")
    generate = _seconds_per_1000(lambda n: gan.sample(n, seed=0, batch_statistics=True).numpy(), FLAGS.images)
    score = _seconds_per_1000(lambda n: [t.numpy() for t in inception(fixed[:n])], FLAGS.images)
    per_sample = (generate + score) / 1000
    print(json.dumps({
        "cpu": cpu_model(), "kind": "avx512_bf16" if "avx512_bf16" in cpu_flags() else "other",
        "load_average": os.getloadavg()[0], "tf": tf.__version__, "python": platform.python_version(),
        "precision": FLAGS.precision, "dim": FLAGS.dim, "images_timed": FLAGS.images,
        "generate_s_per_1000": round(generate, 2), "inception_s_per_1000": round(score, 2),
        "eval_5000_s": round(5000 * per_sample, 1), "eval_50000_s": round(50000 * per_sample, 1),
        "reference_50000_s": round(50 * score, 1)}))


if __name__ == "__main__":
    app.run(main)

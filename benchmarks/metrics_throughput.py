"""Images per second of the sample-quality pipeline: ours vs a plain loop over ``model.predict``.

    python -m benchmarks.metrics_throughput [--images 300] [--batch_size 50]

Every case scores the same CIFAR-sized images with an Inception-v3 network at 299×299 (Keras'
``InceptionV3`` with random weights: the 2015 graph has the same architecture and cost, and neither
set of real weights is downloadable here). One JSON line per case, then a Markdown table:

* ``plain_predict``: the usual loop -- float images, ``tf.image.resize``, ``model.predict(batch)`` per batch;
* ``ours_keras``: the ``keras`` protocol's classifier through :func:`tfgan_gp.metrics.compute_statistics`
  (one ``tf.function`` with a fixed input signature, the next batch prepared in a background thread);
* ``ours_ttur``: the ``ttur`` protocol on the same network frozen into the 2015 graph's layout
  (``Mul:0`` → ``pool_3:0``, ``softmax/logits/MatMul``), loaded by :class:`tfgan_gp.metrics.Inception2015Features`:
  uint8 quantization and TF1 bilinear resize included;
* ``*_with_sampling``: the same, with the images drawn batch by batch from the CIFAR ResNet generator
  (DIM 128): sequential for ``plain``, overlapped with the network for ours (:class:`~tfgan_gp.metrics.ImageEvaluator`).

The first batch of every case (tracing) is not timed; the cases run interleaved, ``--rounds`` times, and
the median and best rates are reported (the 2-core machines here are shared: medians of interleaved
rounds are what survives other people's load).
"""
import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.common import cpu_kind, emit  # noqa: E402
from tfgan_gp import metrics  # noqa: E402
from tfgan_gp.architectures import resnet_cifar  # noqa: E402


def inception(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.applications.InceptionV3(include_top=True, weights=None, classifier_activation=None)


def frozen_2015_layout(model, path):
    """``model`` (Keras InceptionV3) frozen into a GraphDef with the 2015 graph's tensor names, written to ``path``."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    pool_model = keras.Model(model.inputs, model.get_layer("avg_pool").output)
    weights = np.random.default_rng(0).normal(0, 0.02, (2048, 1008)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, 299, 299, 3], tf.float32, name="ExpandDims")])
    def graph(images):
        x = tf.multiply(tf.subtract(images, 128.0, name="Sub"), 1.0 / 128.0, name="Mul")
        pool = tf.reshape(pool_model(x, training=False), [-1, 1, 1, 2048], name="pool_3")
        logits = tf.matmul(tf.reshape(pool, [-1, 2048]), tf.constant(weights, name="softmax/weights"),
                           name="softmax/logits/MatMul")
        return tf.identity(logits, name="softmax/logits")

    graph_def = convert_variables_to_constants_v2(graph.get_concrete_function()).graph.as_graph_def()
    with open(path, "wb") as f:
        f.write(graph_def.SerializeToString())
    return path


def timed(run, batches, count):
    """``(images per wall second, images per CPU second of this process)`` of ``run(batches[1:])``."""
    start, cpu = time.perf_counter(), time.process_time()
    run(batches[1:])
    return count / (time.perf_counter() - start), count / (time.process_time() - cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=300, help="Timed images per case.")
    parser.add_argument("--batch_size", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved repetitions of every case.")
    args = parser.parse_args()
    b, n = args.batch_size, args.images
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n + b, 32, 32, 3)).astype(np.uint8)
    batches = [images[i:i + b] for i in range(0, n + b, b)]
    model = inception()

    def plain(chunk):
        for batch in chunk:
            x = tf.image.resize(batch.astype(np.float32) / 127.5 - 1.0, (299, 299))
            model.predict(x, verbose=0)

    def ours(classifier):
        def run(chunk):
            total = sum(len(c) for c in chunk)
            metrics.compute_statistics(classifier, iter(chunk), total, splits=1, keep_features=0)
        return run

    generator = resnet_cifar.generator(dim=128)
    sample = tf.function(lambda z: generator(z, training=False))

    def draw(count, seed):
        return sample(tf.random.stateless_normal((count, 128), seed=[seed, 0])).numpy()

    def plain_sampling(chunk):
        for i, batch in enumerate(chunk):
            x = tf.image.resize(draw(len(batch), i), (299, 299))
            model.predict(x, verbose=0)

    def ours_sampling(classifier):
        def run(chunk):
            total = sum(len(c) for c in chunk)
            metrics.compute_statistics(classifier, metrics.evaluation.sample_batches(draw, total, b), total,
                                       splits=1, keep_features=0)
        return run

    keras_clf = metrics.KerasClassifier(model, "avg_pool", image_size=299, name="inception_v3")
    tmp = tempfile.TemporaryDirectory()
    ttur = metrics.protocol_classifier("ttur", inception_graph=frozen_2015_layout(model, f"{tmp.name}/graph.pb"))
    cases = {"plain_predict": plain, "ours_keras": ours(keras_clf), "ours_ttur": ours(ttur),
             "plain_predict_with_sampling": plain_sampling, "ours_keras_with_sampling": ours_sampling(keras_clf),
             "ours_ttur_with_sampling": ours_sampling(ttur)}
    for run in cases.values():
        run(batches[:1])
    rates, cpu_rates = {case: [] for case in cases}, {case: [] for case in cases}
    loads = []
    for _ in range(args.rounds):
        for case, run in cases.items():
            wall, cpu = timed(run, batches, n)
            rates[case].append(wall)
            cpu_rates[case].append(cpu)
            loads.append(os.getloadavg()[0])
    results = {case: float(np.median(r)) for case, r in rates.items()}
    kind = cpu_kind()
    for case, rate in results.items():
        emit({"case": case, "images_per_second": round(rate, 2), "best": round(max(rates[case]), 2),
              "images_per_cpu_second": round(float(np.median(cpu_rates[case])), 2),
              "rounds": [round(r, 2) for r in rates[case]], "images": n, "batch_size": b, "cpu_kind": kind,
              "cores": os.cpu_count()})
    print(f"\n| case ({kind}, {os.cpu_count()} cores, batch {b}, {n} images × {args.rounds} rounds, load average "
          f"{min(loads):.1f}-{max(loads):.1f}) | images/s median (best) | median vs plain | images per CPU-second |")
    print("| --- | --- | --- | --- |")
    for case, rate in results.items():
        base = results["plain_predict_with_sampling" if "sampling" in case else "plain_predict"]
        print(f"| {case} | {rate:.1f} ({max(rates[case]):.1f}) | {rate / base:.2f}× | "
              f"{np.median(cpu_rates[case]):.1f} |")
    tmp.cleanup()


if __name__ == "__main__":
    main()

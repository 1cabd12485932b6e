"""Evaluation protocols: which network, which pixels, which sample counts -- recorded with every number.

An Inception score or FID is only comparable with another computed by the same protocol: the same
network weights, the same 8-bit quantization and resize, similar sample counts. The published WGAN-GP
numbers (Gulrajani et al. 2017: IS 7.86 / 8.42 on CIFAR-10; TTUR, Heusel et al. 2017: FID) all come
from the 2015 Inception graph (``inception-2015-12-05``, 1008 classes, ``pool_3`` 2048-d) on uint8
images resized by TensorFlow 1's bilinear op. The protocols:

* ``ttur`` -- TTUR's ``fid.py`` and Salimans et al.'s ``inception_score.py`` (which Gulrajani et al.
  used): the 2015 graph, uint8 images, TF1 bilinear to 299×299, ``(x − 128) / 128``; IS from
  ``softmax(pool_3 · W)`` (that script leaves out the bias), 50,000 samples in 10 splits; FID against
  the 50,000 training images (TTUR's ``fid_stats_cifar10_train.npz``).
* ``tfgan`` -- TF-GAN's ``tfgan.eval`` (the same graph and pixels; its TF-Hub module's logits are used as
  the module gives them). Features and statistics are interchangeable with ``ttur``.
* ``clean`` -- clean-fid (Parmar et al. 2022): the same 2015 weights, uint8 images resized by PIL bicubic
  (antialiased) in float; its FIDs are not comparable with ``ttur`` ones.
* ``keras`` -- Keras' ``InceptionV3`` (1000 classes, other weights) on float images, TF2 bilinear: this
  package's historical default; useful to compare runs with each other, never with papers.
* ``domain`` -- a small classifier this package trains on the dataset's own training split
  (:mod:`~tfgan_gp.metrics.domain`), on uint8 images at their own size: offline, meaningful for small
  labelled sets such as Fashion-MNIST, identified by the SHA-256 of its weights; IS from its logits, the
  share of samples per class, 10,000 samples (a test split's size) against the whole training split.
"""
import dataclasses

from tfgan_gp.metrics.preprocessing import RESIZES

INCEPTION_2015 = "inception-2015-12-05"
KERAS_INCEPTION_V3 = "keras-inception-v3"
DOMAIN_CLASSIFIER = "domain-classifier"
INCEPTION_2015_URL = "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"


class ProtocolMismatchError(ValueError):
    """Statistics of one protocol (or weights) compared with another's: the numbers would mean nothing."""


@dataclasses.dataclass(frozen=True)
class Protocol:
    """One way of computing IS/FID/KID, with the sample counts its authors used.

    Attributes:
        name: ``ttur``, ``tfgan``, ``clean``, ``keras`` or ``domain``.
        network: the weights: ``inception-2015-12-05``, ``keras-inception-v3`` or ``domain-classifier``.
        resize: ``tf1_bilinear``, ``pil_bicubic`` or ``tf2_bilinear`` (:mod:`~tfgan_gp.metrics.preprocessing`).
        quantize: generated floats go through uint8 before the network.
        num_samples, splits: generated samples for IS/FID and the IS splits.
        num_real, real_split: real images of the FID reference and the dataset split they come from
            (``num_real=None``: as many as generated samples).
        comparable: numbers can be put next to published ones.
        reference: who computed numbers this way.
    """
    name: str
    network: str
    resize: str
    quantize: bool
    num_samples: int
    splits: int
    num_real: int | None
    real_split: str
    comparable: bool
    reference: str
    image_size: int = 299

    def __post_init__(self):
        if self.resize not in RESIZES:
            raise ValueError(f"resize must be one of {', '.join(RESIZES)}. Received: resize={self.resize!r}")

    @property
    def features(self):
        """What makes two protocols' features (hence statistics) interchangeable."""
        return (self.network, self.resize, self.quantize, self.image_size)


PROTOCOLS = {
    "ttur": Protocol("ttur", INCEPTION_2015, "tf1_bilinear", True, 50_000, 10, 50_000, "train", True,
                     "TTUR fid.py (Heusel et al. 2017), Salimans et al. inception_score.py (Gulrajani et al. 2017)"),
    "tfgan": Protocol("tfgan", INCEPTION_2015, "tf1_bilinear", True, 50_000, 10, 50_000, "train", True,
                      "TF-GAN tfgan.eval (frozen 2015 graph or TF-Hub tfgan/eval/inception/1)"),
    "clean": Protocol("clean", INCEPTION_2015, "pil_bicubic", True, 50_000, 10, 50_000, "train", True,
                      "clean-fid mode 'clean' (Parmar et al. 2022)"),
    "keras": Protocol("keras", KERAS_INCEPTION_V3, "tf2_bilinear", False, 50_000, 10, None, "test", False,
                      "Keras InceptionV3 (this package's historical default): compare runs with each other only"),
    "domain": Protocol("domain", DOMAIN_CLASSIFIER, "none", True, 10_000, 10, None, "train", False,
                       "tfgan_gp's domain classifier, trained on the dataset's training split", image_size=0),
}
NAMES = tuple(PROTOCOLS)
GRAPH_PROTOCOLS = tuple(name for name, p in PROTOCOLS.items() if p.network == INCEPTION_2015)


def get(name):
    """The :class:`Protocol` called ``name`` (a :class:`Protocol` passes through)."""
    if isinstance(name, Protocol):
        return name
    if name not in PROTOCOLS:
        raise ValueError(f"Unknown evaluation protocol: expected one of {', '.join(NAMES)}. "
                         f"Received: protocol={name!r}")
    return PROTOCOLS[name]


def record(protocol, weights_sha256=None, logits=None):
    """The fields stored with statistics and printed with results: ``{"protocol", "network", ...}``."""
    protocol = get(protocol)
    return {"protocol": protocol.name, "network": protocol.network, "weights_sha256": weights_sha256 or "",
            "resize": protocol.resize, "image_size": protocol.image_size,
            "quantize": "uint8" if protocol.quantize else "none", "logits": logits or ""}


def domain_record(dataset, weights_sha256, image_size, test_accuracy):
    """The record of a domain classifier (:mod:`~tfgan_gp.metrics.domain`) of ``dataset``."""
    return dict(record("domain", weights_sha256), network=f"{DOMAIN_CLASSIFIER}/{dataset}", image_size=image_size,
                test_accuracy=f"{test_accuracy:.4f}")


def custom_record(name):
    """The record of a classifier outside the protocols (a Keras model, a SavedModel, a callable)."""
    return {"protocol": "custom", "network": name, "weights_sha256": "", "resize": "", "image_size": 0,
            "quantize": "", "logits": ""}


def _features_of(rec):
    if rec.get("protocol") == "domain":  # one network per dataset (and per weights file: checked by SHA-256)
        return ("domain", rec.get("network"))
    if rec.get("protocol") in PROTOCOLS:
        return PROTOCOLS[rec["protocol"]].features
    return ("custom", rec.get("network"))


def check_comparable(reference, ours, what="real_stats"):
    """Raise :class:`ProtocolMismatchError` (a ``ValueError``) unless ``reference`` statistics compare with ``ours``.

    Protocols must produce the same features (``ttur`` and ``tfgan`` do; ``clean`` and ``keras`` differ
    from both), and weights must have the same SHA-256 where both are known.
    """
    if _features_of(reference) != _features_of(ours):
        raise ProtocolMismatchError(
            f"{what} were computed under protocol {reference.get('protocol')!r} ({describe_pixels(reference)}) "
            f"but this evaluation uses {ours.get('protocol')!r} ({describe_pixels(ours)}), and numbers from "
            f"different protocols are not comparable: recompute the statistics with protocol "
            f"{ours.get('protocol')!r}. Received: {what} protocol={reference.get('protocol')!r}")
    a, b = reference.get("weights_sha256"), ours.get("weights_sha256")
    if a and b and a != b:
        raise ProtocolMismatchError(f"{what} were computed with other network weights (SHA-256 {a[:12]}…, this "
                                    f"evaluation {b[:12]}…): recompute them with the same file. "
                                    f"Received: {what} weights_sha256={a!r}")


def describe_pixels(rec):
    """``"inception-2015-12-05 on uint8 images, tf1_bilinear to 299×299"`` (or the custom network's name)."""
    if rec.get("protocol") not in PROTOCOLS:
        return f"classifier {rec.get('network')!r}"
    if rec.get("protocol") == "domain":
        return (f"{rec['network']} (test accuracy {float(rec.get('test_accuracy') or 'nan'):.2%}) on uint8 images "
                f"at {rec['image_size']}×{rec['image_size']}")
    pixels = "uint8 images" if rec.get("quantize") == "uint8" else "float images"
    return f"{rec['network']} on {pixels}, {rec['resize']} to {rec['image_size']}×{rec['image_size']}"


def describe(rec, num_samples=None, splits=None, num_real=None, reference=None):
    """The protocol line printed and logged with results, with the counts actually used."""
    name = rec.get("protocol")
    parts = [f"protocol {name}: {describe_pixels(rec)}"]
    if rec.get("weights_sha256"):
        parts[0] += f" (weights sha256 {rec['weights_sha256'][:16]})"
    if rec.get("logits"):
        parts.append(f"IS logits {rec['logits']}")
    standard = PROTOCOLS.get(name)
    if num_samples is not None:
        counts = f"{num_samples:,} generated samples" + (f", IS in {splits} splits" if splits else "")
        if standard and (num_samples, splits or standard.splits) != (standard.num_samples, standard.splits):
            counts += f" (the protocol: {standard.num_samples:,} in {standard.splits})"
        parts.append(counts)
    if num_real is not None:
        real = f"reference {reference or 'real images'}: {num_real:,} images"
        if standard and standard.num_real and num_real != standard.num_real:
            real += f" (the protocol: {standard.num_real:,} {standard.real_split} images)"
        parts.append(real)
    if standard and not standard.comparable:
        parts.append("not comparable with published numbers")
    return "; ".join(parts)

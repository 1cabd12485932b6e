"""The selection recipes' (``select``, ``random_architectures``) :mod:`tfgan_gp.selection` problem of ``--dataset``."""
from absl import flags

from . import image_evaluation, images, standins

PROTOCOLS = ("auto", "keras", "domain")


def define_classifier_flags(flag_values):
    """The image scoring flags of the selection recipes: ``--classifier_protocol``, ``--classifier``,
    ``--inception_weights``."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_enum("classifier_protocol", "auto", PROTOCOLS, "Images: the network FID/recall are computed in: "
                      "domain (a small classifier trained once on the data's labelled training split; offline, mode "
                      "coverage = classes covered), keras (InceptionV3, downloads its weights), auto (domain for "
                      "labelled data: fashion_mnist, mnist, a folder of IDX files; else keras).", **fv)
    flags.DEFINE_string("classifier", None, "Images: a SavedModel returning (logits, pool_features) instead.", **fv)
    flags.DEFINE_string("inception_weights", None, "Images, keras protocol: local InceptionV3 weights file "
                        "(default: download).", **fv)


def selection_problem(args, kind, num_examples=None):
    """The problem of ``args.dataset`` of ``kind`` (``toy``, ``text`` or ``images``); ``num_examples``: a subset.

    ``--smoke`` on images: synthetic images and a tiny classifier; else ``--classifier``, the domain classifier of
    labelled data (:func:`protocol`) or Keras' InceptionV3 (``--inception_weights``). ``fashion_mnist`` reads
    Debian's copy when installed (:func:`recipes.images.local_copy`).
    """
    from tfgan_gp import selection

    extra = {} if args.eval_samples is None else {"eval_samples": args.eval_samples}
    if kind == "toy":
        return selection.toy_problem(args.dataset, **extra)
    if kind == "text":
        return selection.text_problem(args.dataset, data_dir=args.data_dir, num_examples=num_examples, **extra)
    shape = (args.image_size, args.image_size, 3)
    if args.smoke:
        return selection.image_problem(standins.synthetic_images(shape, seed=args.seed),
                                       standins.tiny_classifier(shape), name="synthetic images", batch_size=32,
                                       **extra)
    source = images.local_copy(args.dataset) or args.dataset
    network = image_evaluation.network(shape, protocol(args, source), classifier=args.classifier,
                                       inception_weights=args.inception_weights, domain_data=source,
                                       data_dir=args.data_dir)
    return selection.image_problem(source, network, image_size=args.image_size, data_dir=args.data_dir,
                                   num_examples=num_examples, **extra)


def protocol(args, source):
    """``--classifier_protocol``; ``auto``: ``domain`` for labelled data with a domain classifier's class names
    (Fashion-MNIST, MNIST, a folder of IDX files), else ``keras``."""
    from tfgan_gp.data import idx
    from tfgan_gp.metrics import domain

    if args.classifier_protocol != "auto":
        return args.classifier_protocol
    labelled = source in domain.CLASS_NAMES or (isinstance(source, str) and idx.is_folder(source))
    return "domain" if labelled else "keras"

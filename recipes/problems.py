"""The selection recipes' (``select``, ``random_architectures``) :mod:`tfgan_gp.selection` problem of ``--dataset``."""
from . import image_evaluation, standins


def selection_problem(args, kind, num_examples=None):
    """The problem of ``args.dataset`` of ``kind`` (``toy``, ``text`` or ``images``); ``num_examples``: a subset.

    ``--smoke`` on images: synthetic images and a tiny classifier; else ``--classifier`` or Keras' InceptionV3
    (``--inception_weights``).
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
    network = image_evaluation.network(shape, classifier=args.classifier, inception_weights=args.inception_weights)
    return selection.image_problem(args.dataset, network, image_size=args.image_size, data_dir=args.data_dir,
                                   num_examples=num_examples, **extra)

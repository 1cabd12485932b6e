"""How the image recipes watch a run: their evaluation flags, the evaluation network, and the callbacks (sample
grids, IS/FID/KID every ``--eval_every``, the final evaluation)."""
from absl import flags

import tfgan_gp as tg

from . import rehearsal, shared_flags, standins


def define_evaluation_flags(flag_values, eval_samples=5_000, final_eval_samples=50_000, reference_samples=50_000,
                            protocol="keras"):
    """The image recipes' evaluation flags: sample counts (a CPU affords fewer during training, the paper's at the
    end) and the classifier ``protocol``. They are monitoring flags: a resumed run may change them."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_integer("eval_samples", eval_samples, "Generated samples per Inception score / FID / KID "
                         "evaluation during training (every --eval_every iterations; at least the score's 10 "
                         "splits).", lower_bound=10, **fv)
    flags.DEFINE_integer("final_eval_samples", final_eval_samples, "Generated samples of the evaluation at the "
                         "end of training (the paper's Inception scores: 50,000; 0: none).", lower_bound=0, **fv)
    flags.register_validator("final_eval_samples", lambda v: v == 0 or v >= 10,
                             message="--final_eval_samples must be 0 (none) or at least the score's 10 splits", **fv)
    flags.DEFINE_integer("reference_samples", reference_samples, "Real training images whose statistics are the "
                         "FID/KID reference (all of them when there are fewer).", lower_bound=1, **fv)
    flags.DEFINE_enum("classifier_protocol", protocol, tg.metrics.protocols.NAMES,
                      "Evaluation protocol: ttur / tfgan (the paper's numbers: the 2015 Inception graph, uint8 "
                      "images, TF1 bilinear, FID against the 50,000 training images; needs --inception_graph), "
                      "clean (clean-fid), keras (Keras InceptionV3: compare runs with each other only), domain (a "
                      "small classifier trained once on the dataset's labelled training split: offline; floors "
                      "from its test split).", **fv)
    flags.DEFINE_string("inception_graph", None, "classify_image_graph_def.pb from inception-2015-12-05.tgz (or "
                        "TF-GAN's TF-Hub module directory) for --classifier_protocol ttur, tfgan or clean.", **fv)
    flags.DEFINE_string("inception_weights", None, "--classifier_protocol keras: a local InceptionV3 weights file "
                        "(default: download ImageNet's).", **fv)
    flags.DEFINE_string("reference_stats", None, "FID reference statistics instead of computing them from the "
                        "dataset: an .npz with mu and sigma (TTUR's fid_stats_cifar10_train.npz, clean-fid's, or "
                        "one written by python -m evaluate --stats_out) of the same protocol.", **fv)
    shared_flags.monitoring(flag_values, "eval_samples", "final_eval_samples", "reference_samples",
                            "classifier_protocol", "inception_graph", "inception_weights", "reference_stats")


def offline_classifier(args):
    """Whether the run scores with the tiny random classifier (``--smoke``, ``--rehearsal``: see :func:`network`)."""
    return bool(args.smoke or args.rehearsal) and args.classifier_protocol in ("keras", "domain")


def network(image_shape, protocol="keras", classifier=None, inception_graph=None, inception_weights=None,
            offline=False, domain_data=None, data_dir=None):
    """The evaluation network: ``classifier`` if given, else the ``protocol``'s (Keras' InceptionV3 by default;
    ``domain``: the classifier of the labelled images ``domain_data`` at the images' size).

    ``offline`` (``--smoke``, ``--rehearsal``): a tiny random CNN, unless a 2015-graph protocol is asked for.
    """
    if offline and classifier is None and protocol in ("keras", "domain"):
        return standins.tiny_classifier(image_shape)
    return classifier or tg.metrics.protocol_classifier(protocol, inception_graph=inception_graph,
                                                        inception_weights=inception_weights, domain_data=domain_data,
                                                        data_dir=data_dir, image_size=image_shape[0])


def image_callbacks(args, dataset_name, image_shape, real_images, batch_statistics=False, grid_samples=64):
    """``Recipe.callbacks`` of image recipes: a sample grid each epoch, IS/FID/KID and the k-NN metrics every
    ``--eval_every``, and ``--final_eval_samples`` at the end.

    ``grid_samples``: samples in each grid (a conditional model's labels cycle through the classes: 100 gives one
    column per class of ten). ``real_images`` (a :func:`recipes.images.image_loader`) gives the reference images for FID/KID (the
    recipe's reference: the first ``--reference_samples`` training images; the 2015-graph protocols ask for
    their split), unless ``--reference_stats`` names a statistics file. Protocol ``domain`` trains (once, cached)
    its classifier on the labelled training split of the same source, at the recipe's image size, and scores
    the real test split too: the floor printed beside every number. Statistics are cached in the run
    directory; ``batch_statistics``: sample as the authors evaluated (see :class:`tfgan_gp.callbacks.Evaluate`);
    ``--smoke`` compares with synthetic images through a tiny classifier. A rehearsal's mock reference is
    named so in the protocol line of every evaluation.
    """
    protocol = tg.metrics.PROTOCOLS[args.classifier_protocol]
    split = None if protocol.name in ("keras", "domain") else protocol.real_split

    def make(gan, logdir):
        classifier = network(image_shape, protocol.name, inception_graph=args.inception_graph,
                             inception_weights=args.inception_weights, offline=offline_classifier(args),
                             domain_data=real_images.source, data_dir=real_images.data_dir)
        labelled = getattr(classifier, "data", None)  # the domain classifier's splits, already read
        options = dict(kid_block_size=16) if args.smoke else {}
        if labelled is not None:
            options["floor"] = labelled.images("test")
        if args.reference_stats:
            reals = args.reference_stats
        elif args.smoke:
            reals = standins.synthetic_images(image_shape, seed=args.seed + 1)
        else:
            reals = labelled.images("train") if labelled is not None else real_images(split or "train")
            options.update(num_real=args.reference_samples if split is None else protocol.num_real,
                           source={"dataset": dataset_name + rehearsal.label(data=real_images.mock),
                                   "split": split or "train"})
        return [tg.callbacks.Samples(logdir, grid_samples),
                tg.callbacks.Evaluate(args.eval_every, args.eval_samples, classifier=classifier, real_stats=reals,
                                      log_dir=logdir, dataset_name="smoke" if args.smoke else dataset_name,
                                      final_num_samples=args.final_eval_samples or None,
                                      batch_statistics=batch_statistics, **options)]

    return make


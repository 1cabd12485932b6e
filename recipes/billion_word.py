"""Character-level language model without discrete sampling (Gulrajani et al. 2017, §5.5, Table 4).

    python -m recipes.billion_word --logdir runs/lm1b                 # tfds lm1b
    python -m recipes.billion_word --logdir runs/text --text_file=corpus.txt

Sequences of 32 characters over the 2,047 most frequent characters (+ unknown), one-hot;
the generator outputs a softmax per position and the critic reads it directly, so nothing
is sampled. 1-D convolutional ResNets (5 blocks, residuals × 0.3), Adam(1e-4, 0.5, 0.9),
n_critic 10, λ 10, batch 64, the first 10 million lines (authors' ``gan_language.py``,
``MAX_N_EXAMPLES``). Table 4 of the paper shows samples (it reports no JS numbers); TensorBoard shows
decoded samples each epoch and, every ``--eval_every`` iterations, the JS divergences (bits) of character 1- to 4-grams
as the authors' code computed them: ``--eval_samples`` (640) generated sequences, all 32
characters of each, padding included, against the n-grams of the training corpus (every padded
training line, counted once and cached in ``LOGDIR/reference_ngrams.npz``, compactly: 25 MB for
10 million lines of random text).

Before training, two passes read the corpus' lines, with a progress bar each: the vocabulary, and the
n-gram reference. ``--rehearsal`` reads the first ``--num_examples`` (10 million) of the mock lm1b's
30,301,028 lines, as the real run reads lm1b's: its passes take minutes, as the real run's do (on 2 shared
AVX2 cores: 83 s and 120 s; the whole rehearsal with ``--eval_every 2``: 4 minutes).
"""
import os
import sys

from absl import flags

import tfgan_gp as tg
from tfgan_gp.data import text

from . import configs, entry, rehearsal, shared_flags

SMOKE = dict(dim=16, eval_samples=64)
REHEARSAL = dict(dim=8)
VOCAB_FILE = "vocab.json"
"""The run's vocabulary in its directory: the asset the exported generator decodes with."""
REFERENCE_FILE = "reference_ngrams.npz"
"""The n-gram counts of the training lines in the run directory (:class:`tfgan_gp.metrics.text.NgramCounts`)."""
ADAM = tg.Optimizer("adam", 1e-4, beta_1=0.5, beta_2=0.9)
"""gan_language.py's optimizer, for both networks."""
SMOKE_CORPUS = ("the quick brown fox jumps over the lazy dog", "a wasserstein critic reads soft characters",
                "gradient penalties keep the critic lipschitz", "one more line of synthetic text")


def define_flags(flag_values):
    shared_flags.define_training_flags(flag_values, logdir="runs/billion_word", iterations=200_000, n_critic=10,
                                       data_dir_help="tensorflow-datasets data_dir holding lm1b (for a local .txt "
                                                     "corpus pass --text_file instead).")
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("text_file", None, "A local .txt corpus (one sentence per line) instead of tfds lm1b.", **fv)
    flags.DEFINE_integer("seq_len", 32, "Characters per sequence.", lower_bound=1, **fv)
    flags.DEFINE_integer("vocab_size", 2048, "Vocabulary entries, unknown included.", lower_bound=2, **fv)
    flags.DEFINE_integer("dim", 512, "Channels of the 1-D convolutional ResNets.", lower_bound=1, **fv)
    flags.DEFINE_integer("eval_samples", 640, "Generated sequences per JS-n evaluation (the authors': 640).",
                         lower_bound=1, **fv)
    shared_flags.monitoring(flag_values, "eval_samples")
    flags.DEFINE_integer("num_examples", 10_000_000, "Training lines read (the authors' MAX_N_EXAMPLES); the "
                         "JS-n reference counts the same lines.", lower_bound=1, **fv)


def corpus(args, logdir):
    """``(training ids, vocab, reference n-gram counts)``; the vocabulary is saved as ``LOGDIR/vocab.json`` (by the
    chief of a multi-worker run; the other workers keep theirs in a scratch directory).

    Nothing is written before the text is read (an unavailable lm1b leaves no run directory behind). The two
    passes over the corpus (vocabulary, n-gram reference) show their progress: over 10 million lines each takes
    minutes.
    """
    logdir = tg.distribute.writable_dir(logdir)
    vocab_path = os.path.join(logdir, VOCAB_FILE)
    vocab = vocab_path if os.path.exists(vocab_path) else None  # a resumed run keeps its vocabulary
    if args.smoke:
        os.makedirs(logdir, exist_ok=True)
        source = os.path.join(logdir, "smoke_corpus.txt")
        with open(source, "w") as fh:
            fh.write("\n".join(list(SMOKE_CORPUS) * 16) + "\n")
    else:
        source = args.text_file or "lm1b"
    mock = args.rehearsal and source == "lm1b"
    prefix = f"billion_word{rehearsal.label(data=mock)}"
    progress = Progress(f"{prefix}: vocabulary: counting the characters of the lines of {source} ...")
    with rehearsal.mock_tfds(mock):
        ids, vocab = text.load_text(source, args.seq_len, args.vocab_size, split="train", data_dir=args.data_dir,
                                    vocab=vocab, one_hot=False, num_examples=args.num_examples, progress=progress)
    os.makedirs(logdir, exist_ok=True)
    vocab.save(vocab_path)
    return ids, vocab, reference_counts(ids, vocab, os.path.join(logdir, REFERENCE_FILE), prefix)


def reference_counts(ids, vocab, path, prefix="billion_word"):
    """The n-gram counts of every training sequence (padded), computed once and cached at ``path``; ``prefix``
    starts the lines that report on them."""
    from tfgan_gp.metrics.text import NgramCounts

    if os.path.exists(path):
        counts = NgramCounts.load(path)
        if counts.vocab_size == len(vocab):
            return counts
    lines = int(ids.cardinality())
    progress = Progress(f"{prefix}: JS-n reference: counting the character 1- to 4-grams of the training lines ...")
    counts = NgramCounts(len(vocab))
    for batch in ids.batch(8192).as_numpy_iterator():
        progress(counts.add(batch).rows, lines if lines >= 0 else None)
    progress(counts.rows, counts.rows)
    counts.save(path)
    print(f"{prefix}: JS-n reference: {counts.rows:,} training lines of {ids.element_spec.shape[0]} characters "
          f"(cached in {path}, {os.path.getsize(path) / 2 ** 20:.1f} MiB).")
    return counts


class Progress:
    """``progress(lines, total)`` of a pass over the corpus: its label, then a progress bar (updated every 10 s
    when the output is no terminal); ``lines == total`` ends it."""

    def __init__(self, label):
        self.label, self.bar, self.last = label, None, None

    def __call__(self, lines, total=None):
        import keras

        if self.bar is None:
            print(self.label, flush=True)
            self.bar = keras.utils.Progbar(total, unit_name="line", interval=0.05 if sys.stdout.isatty() else 10.0)
        if (lines, total) != self.last:  # (the end of a pass may be reported twice)
            self.bar.update(lines, finalize=lines == total)
            self.last = (lines, total)


def recipe(args):
    """The §5.5 experiment for the flag values ``args``."""
    spec = configs.gan_spec(args, architecture="char_cnn", latent_dim=128, optimizer=ADAM)  # before any file is written
    ids, vocab, reference = corpus(args, args.logdir)
    decode = lambda probabilities: [vocab.decode(p) for p in probabilities]  # noqa: E731

    def callbacks(gan, logdir):
        return [tg.callbacks.TextSamples(logdir, decode),
                tg.callbacks.Evaluate.text(args.eval_every, args.eval_samples, reference, decode, log_dir=logdir)]

    kwargs = dict(seq_len=args.seq_len, dim=args.dim, vocab_size=len(vocab.chars))
    return tg.Recipe(
        name="billion_word", gan=spec.replace(generator_kwargs=kwargs, critic_kwargs=kwargs), data=lambda: ids,
        in_memory=bool(args.smoke or args.text_file), batch_transform=vocab.one_hot, callbacks=callbacks,
        settings=configs.settings(args), assets={"vocab": VOCAB_FILE})


def main(argv, flag_values):
    return entry.train(recipe, shared_flags.values(flag_values, smoke=SMOKE, rehearsal=REHEARSAL))


if __name__ == "__main__":
    entry.run(define_flags, main)

"""Character-level language model without discrete sampling (Gulrajani et al. 2017, §5.5).

    python -m recipes.billion_word --logdir runs/lm1b                 # tfds lm1b
    python -m recipes.billion_word --logdir runs/text --text_file=corpus.txt

Sequences of 32 characters over the 2,047 most frequent characters (+ unknown), one-hot;
the generator outputs a softmax per position and the critic reads it directly, so nothing
is sampled. 1-D convolutional ResNets (5 blocks, residuals × 0.3), Adam(1e-4, 0.5, 0.9),
n_critic 10, λ 10, batch 64 (authors' ``gan_language.py``). TensorBoard shows decoded
samples each epoch and the JS divergence of character 1- to 4-gram statistics (bits)
against held-out text every ``--eval_every`` iterations.
"""
import os

from absl import flags

import tfgan_gp as tg
from tfgan_gp.data import text

from . import common

SMOKE = dict(dim=16, eval_samples=64)
SMOKE_CORPUS = ("the quick brown fox jumps over the lazy dog", "a wasserstein critic reads soft characters",
                "gradient penalties keep the critic lipschitz", "one more line of synthetic text")


def define_flags(flag_values):
    common.define_shared_flags(flag_values, logdir="runs/billion_word", iterations=200_000, n_critic=10)
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("text_file", None, "A local .txt corpus (one sentence per line) instead of tfds lm1b.", **fv)
    flags.DEFINE_integer("seq_len", 32, "Characters per sequence.", lower_bound=1, **fv)
    flags.DEFINE_integer("vocab_size", 2048, "Vocabulary entries, unknown included.", lower_bound=2, **fv)
    flags.DEFINE_integer("dim", 512, "Channels of the 1-D convolutional ResNets.", lower_bound=1, **fv)
    flags.DEFINE_integer("eval_samples", 640, "Generated sequences per JS-n evaluation.", lower_bound=1, **fv)
    flags.DEFINE_integer("heldout_lines", 10_000, "Held-out lines the n-gram statistics compare against.",
                         lower_bound=1, **fv)


def corpus(args, logdir):
    """``(training ids, vocab, held-out lines)``; the vocabulary is saved as ``LOGDIR/vocab.json``."""
    vocab_path = os.path.join(logdir, "vocab.json")
    vocab = vocab_path if os.path.exists(vocab_path) else None  # a resumed run keeps its vocabulary
    if args.smoke:
        lines = list(SMOKE_CORPUS) * 16
        path = os.path.join(logdir, "smoke_corpus.txt")
        os.makedirs(logdir, exist_ok=True)
        with open(path, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        source, split, heldout = path, "train", lines[:8]
    else:
        source = args.text_file or "lm1b"
        split = "train"
        heldout = None
    ids, vocab = text.load_text(source, args.seq_len, args.vocab_size, split=split, data_dir=args.data_dir,
                                vocab=vocab, one_hot=False)
    vocab.save(vocab_path)
    if heldout is None:
        held_split = "test" if source == "lm1b" else "train"
        held_ids, _ = text.load_text(source, args.seq_len, args.vocab_size, split=held_split,
                                     data_dir=args.data_dir, vocab=vocab, one_hot=False)
        heldout = [vocab.decode(row) for row in held_ids.take(args.heldout_lines).as_numpy_iterator()]
    return ids, vocab, heldout


def recipe(args):
    """The §5.5 experiment for the flag values ``args``."""
    ids, vocab, heldout = corpus(args, args.logdir)
    size = len(vocab.chars)
    decode = lambda probabilities: [vocab.decode(p) for p in probabilities]  # noqa: E731

    def optimizers(iterations, n_critic):
        import keras
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))

    def callbacks(gan, logdir):
        return [tg.callbacks.TextSamples(logdir, decode),
                tg.callbacks.Evaluate.text(args.eval_every, args.eval_samples, heldout, decode, log_dir=logdir)]

    kwargs = dict(seq_len=args.seq_len, dim=args.dim, vocab_size=size)
    return tg.Recipe(
        name="billion_word", architecture="char_cnn", latent_dim=128, generator_kwargs=kwargs,
        critic_kwargs=kwargs, data=lambda: ids, optimizers=optimizers, in_memory=bool(args.smoke or args.text_file),
        batch_transform=vocab.one_hot, callbacks=callbacks,
        config=dict(common.run_config_extras(args), vocab_file="vocab.json"))


def main(argv, flag_values):
    args = common.values(flag_values, smoke=SMOKE)
    gan = tg.train(recipe(args), common.train_config(args))
    common.print_outputs(args.logdir)
    return gan


if __name__ == "__main__":
    common.run(define_flags, main)

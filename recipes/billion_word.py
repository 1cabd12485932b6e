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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

from export.run_dir import export_run  # noqa: E402
from tfgan_gp import recipe_flags, training  # noqa: E402
from tfgan_gp.data import text  # noqa: E402

FLAGS = flags.FLAGS
recipe_flags.define(logdir="runs/billion_word", iterations=200_000, batch_size=64, n_critic=10, lambda_gp=10.0)
flag = recipe_flags.define_extra
flag(flags.DEFINE_string, "text_file", None, "A local .txt corpus (one sentence per line) instead of tfds lm1b.")
flag(flags.DEFINE_integer, "seq_len", 32, "Characters per sequence.", lower_bound=1)
flag(flags.DEFINE_integer, "vocab_size", 2048, "Vocabulary entries, unknown included.", lower_bound=2)
flag(flags.DEFINE_integer, "dim", 512, "Channels of the 1-D convolutional ResNets.", lower_bound=1)
flag(flags.DEFINE_integer, "eval_samples", 640, "Generated sequences per JS-n evaluation.", lower_bound=1)
flag(flags.DEFINE_integer, "heldout_lines", 10_000, "Held-out lines the n-gram statistics compare against.",
     lower_bound=1)

SMOKE_CORPUS = ("the quick brown fox jumps over the lazy dog", "a wasserstein critic reads soft characters",
                "gradient penalties keep the critic lipschitz", "one more line of synthetic text")


def corpus(f, logdir):
    """``(training ids, vocab, held-out lines)``; the vocabulary is saved as ``LOGDIR/vocab.json``."""
    vocab_path = os.path.join(logdir, "vocab.json")
    vocab = vocab_path if os.path.exists(vocab_path) else None  # a resumed run keeps its vocabulary
    if f.smoke:
        lines = list(SMOKE_CORPUS) * 16
        path = os.path.join(logdir, "smoke_corpus.txt")
        os.makedirs(logdir, exist_ok=True)
        with open(path, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        source, split, heldout = path, "train", lines[:8]
    else:
        source = f.text_file or "lm1b"
        split = "train"
        heldout = None
    ids, vocab = text.load_text(source, f.seq_len, f.vocab_size, split=split, data_dir=f.data_dir, vocab=vocab,
                                one_hot=False)
    vocab.save(vocab_path)
    if heldout is None:
        held_split = "test" if source == "lm1b" else "train"
        held_ids, _ = text.load_text(source, f.seq_len, f.vocab_size, split=held_split, data_dir=f.data_dir,
                                     vocab=vocab, one_hot=False)
        heldout = [vocab.decode(row) for row in held_ids.take(f.heldout_lines).as_numpy_iterator()]
    return ids, vocab, heldout


def recipe(f):
    """The §5.5 experiment for the flag values ``f``."""
    ids, vocab, heldout = corpus(f, f.logdir)
    size = len(vocab.chars)
    decode = lambda probabilities: [vocab.decode(p) for p in probabilities]  # noqa: E731

    def optimizers(iterations, n_critic):
        import keras
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))

    def monitoring(gan, logdir):
        from tfgan_gp.callbacks import Evaluate
        from tfgan_gp.monitoring import TextSamples
        samples = min(f.eval_samples, 64) if f.smoke else f.eval_samples
        return [TextSamples(logdir, decode),
                Evaluate.text(f.eval_every, samples, heldout, decode, log_dir=logdir)]

    return training.Recipe(
        name="billion_word", architecture="char_cnn", latent_dim=128,
        generator_kwargs=dict(seq_len=f.seq_len, dim=f.dim, vocab_size=size),
        critic_kwargs=dict(seq_len=f.seq_len, dim=f.dim, vocab_size=size),
        real_data=lambda: ids, synthetic_data=lambda: ids, optimizers=optimizers,
        in_memory=bool(f.smoke or f.text_file), batch_transform=vocab.one_hot,
        smoke_overrides={"generator": {"dim": 16}, "critic": {"dim": 16}}, extra_callbacks=monitoring,
        config={"vocab_file": "vocab.json"})


def run():
    f = training.flag_values(FLAGS)
    return training.train(recipe(f), f, exporter=export_run)


if __name__ == "__main__":
    app.run(training.main(run))

"""Character-level text for the paper's language model (§5.5; gan_language.py, language_helpers.py).

As in the authors' ``language_helpers.load_dataset``, every line of the corpus is one example, truncated to
``seq_len`` characters and right-padded with the pad character ``"`"``; the vocabulary is an unknown entry
(index 0) plus the ``vocab_size - 1`` most frequent characters counted over the padded examples (so the pad
is counted like any character). Examples are one-hot float32 ``(seq_len, len(vocab))``, the space the
generator's softmax lives in. Sources: tfds ``lm1b`` (the One Billion Word benchmark the paper uses) or a
local UTF-8 ``.txt`` file.

Deviations from the authors' code:

* the unknown entry is the single character U+FFFD (theirs: the token ``'unk'``), so a decoded sequence has
  one character per position; U+FFFD in the text (e.g. from invalid UTF-8 bytes) always encodes as unknown;
* frequency ties are broken by code point (theirs: first occurrence), so the vocabulary does not depend on
  line order;
* the pad is always in the vocabulary (it replaces the least frequent character if no line is shorter than
  ``seq_len``);
* empty lines are skipped, and only the first ``num_examples`` lines are read when it is given (theirs:
  ``MAX_N_EXAMPLES = 10,000,000``).

A one-hot example takes ``4 · seq_len · len(vocab)`` bytes (256 KiB for 32 × 2048), so a 10,000-element
shuffle buffer of one-hot examples holds ~2.6 GB; with big vocabularies pass ``one_hot=False`` and one-hot
encode after batching: ``for_gan(ds, 64).map(vocab.one_hot)``.
"""
import collections
import json
import os
import re
import warnings

import numpy as np
import tensorflow as tf

from tfgan_gp.data import sources

PAD = "`"
UNKNOWN = "\ufffd"
LOCAL_ALTERNATIVE = ("a local UTF-8 .txt file (one example per line) as the dataset (python -m recipes.billion_word: "
                     "--text_file=PATH)")
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
_BATCH = 4096


class Vocab:
    """Character vocabulary: ``chars[i]`` is the character of id ``i``; ``pad`` and ``unknown`` are in it.

    Saved as JSON ``{"chars": [...], "pad": "`", "unknown": "\\ufffd"}`` (``pad``/``unknown`` hold the
    characters, their ids are ``chars.index(...)``), so a decoder needs nothing but that file.
    """

    def __init__(self, chars, pad=PAD, unknown=UNKNOWN):
        chars = list(chars)
        if (not all(isinstance(c, str) and len(c) == 1 for c in chars) or len(set(chars)) != len(chars)
                or pad not in chars or unknown not in chars or pad == unknown):
            raise ValueError("chars must be distinct single characters that include pad and unknown (which "
                             f"differ). Received: chars={chars[:10]!r}{'...' if len(chars) > 10 else ''}, "
                             f"pad={pad!r}, unknown={unknown!r}")
        self.chars, self.pad, self.unknown = chars, pad, unknown
        self._ids = {c: i for i, c in enumerate(chars)}
        self._table = None

    @classmethod
    def build(cls, counts, vocab_size, pad=PAD, unknown=UNKNOWN):
        """Unknown + the ``vocab_size - 1`` most frequent characters of ``counts`` (a char -> count mapping)."""
        if not isinstance(vocab_size, int) or vocab_size < 2:
            raise ValueError(f"vocab_size must be an int >= 2 (unknown and pad). Received: vocab_size={vocab_size!r}")
        ranked = sorted((c for c, n in counts.items() if n > 0 and c != unknown), key=lambda c: (-counts[c], c))
        chosen = ranked[:vocab_size - 1]
        if pad not in chosen:
            chosen = chosen[:vocab_size - 2] + [pad]
        return cls([unknown] + chosen, pad, unknown)

    def __len__(self):
        return len(self.chars)

    def __eq__(self, other):
        return isinstance(other, Vocab) and (self.chars, self.pad, self.unknown) == (
            other.chars, other.pad, other.unknown)

    def __repr__(self):
        return f"Vocab({len(self)} characters, pad={self.pad!r}, unknown={self.unknown!r})"

    @property
    def pad_id(self):
        return self._ids[self.pad]

    @property
    def unknown_id(self):
        return self._ids[self.unknown]

    def encode(self, text, length=None):
        """int32 ids of ``text`` (characters outside the vocabulary -> unknown); ``length`` truncates/pads."""
        ids = [self._ids.get(c, self.unknown_id) for c in (text if length is None else text[:length])]
        if length is not None:
            ids += [self.pad_id] * (length - len(ids))
        return np.array(ids, np.int32)

    def decode(self, ids, strip_pad=True):
        """The string of ``ids`` (1-D ints, or ``(length, len(vocab))`` scores/one-hot, argmax taken)."""
        ids = np.asarray(ids)
        if ids.ndim == 2:
            ids = ids.argmax(-1)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer) or ids.size and not (
                0 <= ids.min() and ids.max() < len(self)):
            raise ValueError(f"ids must be 1-D integers in [0, {len(self)}) or (length, {len(self)}) scores. "
                             f"Received: shape {ids.shape}, dtype {ids.dtype}")
        text = "".join(self.chars[i] for i in ids)
        return text.rstrip(self.pad) if strip_pad else text

    def decode_tensor(self, ids, strip_pad=True):
        """Graph version of :meth:`decode` for ``(..., length)`` ids or ``(..., length, len(vocab))`` scores."""
        ids = tf.convert_to_tensor(ids)
        if ids.dtype.is_floating:
            ids = tf.argmax(ids, axis=-1)
        text = tf.strings.reduce_join(tf.gather(tf.constant(self.chars), ids), axis=-1)
        return tf.strings.regex_replace(text, re.escape(self.pad) + "+$", "") if strip_pad else text

    def encode_tensor(self, lines, length):
        """int32 ids ``(batch, length)`` of a batch of UTF-8 strings (invalid bytes -> unknown), padded.

        Characters are looked up by code point (twice as fast as by one-character strings).
        """
        if self._table is None:
            with tf.init_scope():  # one eager table, even when first called while tracing a tf.data function
                self._table = tf.lookup.StaticHashTable(
                    tf.lookup.KeyValueTensorInitializer(tf.constant([ord(c) for c in self.chars], tf.int32),
                                                        tf.range(len(self), dtype=tf.int32)),
                    default_value=self.unknown_id)
        codes = tf.strings.unicode_decode(lines, "UTF-8", errors="replace")[:, :length]
        ids = tf.ragged.map_flat_values(self._table.lookup, codes)
        return ids.to_tensor(default_value=self.pad_id, shape=[None, length])

    def one_hot(self, ids):
        """float32 one-hot ``(..., len(vocab))`` of int ids (also usable as ``dataset.map(vocab.one_hot)``)."""
        return tf.one_hot(ids, len(self), dtype=tf.float32)

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"chars": self.chars, "pad": self.pad, "unknown": self.unknown}, f)

    @classmethod
    def load(cls, path):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            return cls(data["chars"], data["pad"], data["unknown"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path!r} is not a vocabulary file ({type(e).__name__}: {e}); expected JSON "
                             '{"chars": [...], "pad": ..., "unknown": ...}. Received: path=' f"{path!r}") from None


def load_text(name_or_path, seq_len=32, vocab_size=2048, split="train", data_dir=None, num_examples=None,
              vocab=None, one_hot=True, cache="auto", download=True, progress=None):
    """``(dataset, vocab)``: unbatched one-hot float32 ``(seq_len, len(vocab))`` examples and their vocabulary.

    Args:
      name_or_path: a tfds name with a ``text`` feature (``"lm1b"``) or a local ``.txt`` file.
      seq_len: characters per example (the paper: 32).
      vocab_size: at most this many entries, unknown included (the paper: 2048).
      split, data_dir, download: tfds split, data directory, and whether tfds may download.
      num_examples: read only the first ``num_examples`` non-empty lines.
      vocab: a :class:`Vocab` or a path to a saved one, to reuse (resumed runs, held-out data); otherwise
        one is built from the examples read, in one pass over them.
      one_hot: ``False`` yields int32 ids ``(seq_len,)``; one-hot them later with ``vocab.one_hot``.
      cache: as for :func:`tfgan_gp.data.load_images` (caches the int32 ids).
      progress: ``callable(lines, total)`` during the vocabulary pass (minutes over millions of lines): after
        each batch with the lines read so far and those to read (at most: a tfds set's empty lines are
        skipped), and at the end with both the number read.

    The dataset's cardinality is the number of examples when it is known (a local file, or after the
    vocabulary pass).
    """
    for arg, value, low in (("seq_len", seq_len, 1), ("num_examples", num_examples, 1)):
        if value is not None and (not isinstance(value, int) or value < low):
            raise ValueError(f"{arg} must be a positive int. Received: {arg}={value!r}")
    lines, total, exact = _lines(name_or_path, split, data_dir, seq_len, download)
    if num_examples is not None:
        lines, total = lines.take(num_examples), min(total, num_examples)
    if vocab is None:
        counts = count_characters(lines, seq_len, progress=progress and (lambda n: progress(n, total)))
        total, exact = sum(counts.values()) // seq_len, True  # every example holds seq_len characters
        if progress:
            progress(total, total)
        vocab = Vocab.build(counts, vocab_size)
    elif not isinstance(vocab, Vocab):
        vocab = Vocab.load(vocab)
    ids = lines.batch(_BATCH).map(lambda batch: vocab.encode_tensor(batch, seq_len),
                                  num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    if exact:
        ids = ids.apply(tf.data.experimental.assert_cardinality(total))
    ids = sources.maybe_cache(ids, total, 4 * seq_len, cache)
    if one_hot:
        ids = ids.map(vocab.one_hot, num_parallel_calls=tf.data.AUTOTUNE)
    return ids, vocab


def count_characters(lines, seq_len, pad=PAD, progress=None):
    """Character counts of the examples built from ``lines`` (a dataset of strings), pads included;
    ``progress(lines counted)`` after each batch."""
    def batch_counts(batch):
        codes = tf.strings.unicode_decode(batch, "UTF-8", errors="replace")[:, :seq_len]
        unique, _, counts = tf.unique_with_counts(codes.flat_values)
        return unique, counts, tf.reduce_sum(seq_len - codes.row_lengths()), tf.size(batch)

    counts, done = collections.Counter(), 0
    for unique, batch_count, pads, size in lines.batch(_BATCH).map(batch_counts).as_numpy_iterator():
        counts.update(dict(zip(map(chr, unique.tolist()), batch_count.tolist())))
        counts[pad] += int(pads)
        done += int(size)
        if progress:
            progress(done)
    return counts


def _lines(name_or_path, split, data_dir, seq_len, download):
    """Non-empty lines as a dataset of UTF-8 strings, their number (an upper bound for tfds), and whether it is
    exact."""
    if name_or_path.endswith(".txt") or os.path.isfile(name_or_path):
        if split != "train":
            raise ValueError(f"A local text file has a single split. Received: split={split!r}")
        lines = read_lines(name_or_path)
        if sum(map(len, lines)) < seq_len:
            raise ValueError(f"{name_or_path!r} holds {sum(map(len, lines))} characters outside line breaks, "
                             f"fewer than one sequence of seq_len={seq_len}. Received: seq_len={seq_len}")
        return tf.data.Dataset.from_tensor_slices(tf.constant(lines, tf.string)), len(lines), True
    builder, ds = sources.tfds_dataset(name_or_path, split, data_dir, download, LOCAL_ALTERNATIVE)
    if "text" not in builder.info.features:
        raise ValueError(f"tfds dataset {name_or_path!r} has no 'text' feature. "
                         f"Received: name_or_path={name_or_path!r}")
    total = sources.count(ds)
    # empty lines are dropped a batch at a time (a per-line filter costs ten times the reading)
    lines = ds.map(lambda example: example["text"]).batch(_BATCH).map(
        lambda batch: tf.boolean_mask(batch, tf.strings.length(batch) > 0)).unbatch()
    return lines, total, False


def read_lines(path):
    """Non-empty lines of a text file (``\\n`` or ``\\r\\n`` endings); invalid UTF-8 bytes -> U+FFFD, counted.

    Each invalid byte becomes one U+FFFD (which encodes as unknown) and a warning says how many there were.
    """
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
    except OSError as e:
        raise ValueError(f"Cannot read text file {path!r} ({e}). Received: name_or_path={path!r}") from None
    text, bad = _ESCAPED_BYTES.subn(UNKNOWN, text)
    if bad:
        warnings.warn(f"{bad} bytes of {path!r} are not valid UTF-8; each was replaced by U+FFFD, which "
                      "encodes as the unknown character.", stacklevel=3)
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    return [line for line in lines if line]

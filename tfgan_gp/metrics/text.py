"""Character n-gram Jensen–Shannon divergence between generated and reference text (Gulrajani et al. §5.5).

The paper scores its character-level language GAN by the JS divergence between the
n-gram distributions (n = 1..4) of 640 generated lines and of the training corpus, in
bits (the authors' ``language_helpers.NgramLanguageModel.js_with``): n-grams are counted
within each line (never across lines), probabilities are counts over the total number of
n-grams, and ``JS = ½ KL(P ‖ M) + ½ KL(Q ‖ M)`` with ``M = (P + Q) / 2``. It lies in
``[0, 1]`` bit: 0 for identical distributions, 1 for disjoint supports. Whatever padding
the lines carry (the paper pads with a backtick to 32 characters) counts as characters.

Counting is vectorised: characters are mapped to a joint dense vocabulary of size ``V``
and each n-gram to the integer ``Σ cₖ Vⁿ⁻¹⁻ᵏ``.
"""
import numpy as np

_INT64_LIMIT = 2 ** 63 - 1


def _codes(name, corpus):
    """Unicode code points of all lines joined, and each line's length."""
    if isinstance(corpus, str) or not all(isinstance(line, str) for line in corpus):
        raise ValueError(f"{name} must be a sequence of strings (one per line). Received: {type(corpus).__name__}"
                         f"{'' if isinstance(corpus, str) else ' with non-string items'}")
    lengths = np.array([len(line) for line in corpus], np.int64)
    codes = np.frombuffer("".join(corpus).encode("utf-32-le"), dtype=np.uint32)
    return codes, lengths


def _ngram_ids(dense, lengths, n, vocab_size):
    """Integer id of every n-gram lying inside one line."""
    total = len(dense)
    if total < n:
        return np.zeros(0, np.int64)
    ids = np.zeros(total - n + 1, np.int64)
    for k in range(n):
        ids = ids * vocab_size + dense[k:total - n + 1 + k]
    line_end = np.repeat(np.cumsum(lengths), lengths)[:total - n + 1]  # end of the line each position is in
    return ids[np.arange(total - n + 1) + n <= line_end]


def _entropy_term(p, m):
    nz = p > 0
    return float(np.sum(p[nz] * np.log2(p[nz] / m[nz])))


def ngram_js(samples, reference, n):
    """JS divergence in bits between the character ``n``-gram distributions of two sets of lines."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer (the n-gram order). Received: n={n!r}")
    codes_s, len_s = _codes("samples", samples)
    codes_r, len_r = _codes("reference", reference)
    vocab, dense = np.unique(np.concatenate([codes_s, codes_r]), return_inverse=True)
    if len(vocab) ** n > _INT64_LIMIT:
        raise ValueError(f"{len(vocab)} distinct characters are too many for {n}-gram ids in int64. "
                         f"Received: n={n}")
    ids_s = _ngram_ids(dense[:len(codes_s)].astype(np.int64), len_s, n, len(vocab))
    ids_r = _ngram_ids(dense[len(codes_s):].astype(np.int64), len_r, n, len(vocab))
    if not len(ids_s) or not len(ids_r):
        raise ValueError(f"Both samples and reference need at least one line of >= {n} characters. "
                         f"Received: {len(ids_s)} and {len(ids_r)} {n}-grams")
    unique, joint = np.unique(np.concatenate([ids_s, ids_r]), return_inverse=True)
    p = np.bincount(joint[:len(ids_s)], minlength=len(unique)) / len(ids_s)
    q = np.bincount(joint[len(ids_s):], minlength=len(unique)) / len(ids_r)
    m = (p + q) / 2.0
    return 0.5 * _entropy_term(p, m) + 0.5 * _entropy_term(q, m)

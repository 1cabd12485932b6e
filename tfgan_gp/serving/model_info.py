"""What an exported generator is: its network, noise size, classes, kind of output and vocabulary.

Everything here is decided once, in Python, before any graph is traced, so that a
bad argument fails with a ``ValueError`` at export time rather than in the served model.
"""
import dataclasses

import keras
import numpy as np

IMAGE, TEXT, VECTOR = "image", "text", "vector"


@dataclasses.dataclass(frozen=True)
class GeneratorInfo:
    """The facts the signatures are built from.

    ``kind`` is ``"image"`` for outputs ``(B, H, W, C)`` in [-1, 1], ``"text"`` for
    per-position softmaxes ``(B, seq_len, vocab)`` and ``"vector"`` for ``(B, D)``
    samples (the toy 2-D models). ``tokens`` maps a character id to its string and
    ``pad_id`` is the id of the padding character (text only). ``weights`` says which generator of a
    GAN this is: ``"ema"`` (the moving average of its weights) or ``"raw"`` (``None``: not known).
    """

    generator: keras.Model
    latent_dim: int
    num_classes: int | None
    kind: str
    sample_shape: tuple
    tokens: tuple | None = None
    pad_id: int | None = None
    weights: str | None = None


def _positive_int(value, name):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    return int(value)


def _contradiction(name, given, found, source):
    return ValueError(f"{name}={given} contradicts the {source}, which has {name}={found}. "
                      f"Pass {name}=None or the matching value. Received: {name}={given!r}")


def _unwrap(gan_or_generator, latent_dim, num_classes, weights):
    """``(generator, latent_dim, num_classes, weights)`` from a ``tfgan_gp.GAN`` (its generator named by
    ``weights``, default: the one ``gan.sample`` uses) or a bare Keras generator (``weights`` as given)."""
    if isinstance(getattr(gan_or_generator, "generator", None), keras.layers.Layer):
        gan = gan_or_generator
        for name, given, found in [("latent_dim", latent_dim, gan.latent_dim),
                                   ("num_classes", num_classes, gan.num_classes)]:
            if given is not None and given != found:
                raise _contradiction(name, given, found, "GAN")
        generator = gan.sampling_generator(weights)
        return (generator, gan.latent_dim, gan.num_classes,
                "ema" if generator is gan.ema_generator else "raw")
    if not isinstance(gan_or_generator, keras.layers.Layer):
        raise ValueError(f"gan_or_generator must be a tfgan_gp.GAN or a Keras generator model. "
                         f"Received: {type(gan_or_generator).__name__}")
    if weights not in (None, "ema", "raw"):
        raise ValueError(f"generator must be 'ema', 'raw' or None for a bare Keras generator (which one it is, "
                         f"recorded in the metadata). Received: generator={weights!r}")
    generator = gan_or_generator
    if not generator.built:
        raise ValueError(f"The generator must be built (called once or created with keras.Input) before "
                         f"export. Received: unbuilt {type(generator).__name__} {generator.name!r}")
    inputs = getattr(generator, "inputs", None) or []
    if inputs:
        width = inputs[0].shape[-1]
        if latent_dim is not None and width is not None and latent_dim != width:
            raise _contradiction("latent_dim", latent_dim, width, "generator's first input")
        latent_dim = width if width is not None else latent_dim
        if len(inputs) == 2 and num_classes is None:
            raise ValueError("The generator takes [z, labels] but num_classes is not set: pass the number "
                             "of classes it was trained on. Received: num_classes=None")
        if len(inputs) == 1 and num_classes is not None:
            raise ValueError(f"num_classes is set but the generator takes only z (it is unconditional). "
                             f"Received: num_classes={num_classes!r}")
    if latent_dim is None:
        raise ValueError("latent_dim could not be read from the generator (it has no Keras inputs): "
                         "pass latent_dim. Received: latent_dim=None")
    return generator, latent_dim, num_classes, weights


def vocab_tokens(vocab):
    """``(tokens, pad)`` from a vocabulary: an object with ``.chars`` (id -> character) or a list of strings.

    ``pad`` is the vocabulary's padding character (its ``pad`` attribute) or ``None``.
    """
    chars = getattr(vocab, "chars", vocab)
    if isinstance(chars, str) or not isinstance(chars, (list, tuple)) or not chars or not all(
            isinstance(c, str) for c in chars):
        raise ValueError(f"vocab must have .chars (a list mapping character id to its string) or be such a "
                         f"non-empty list of strings. Received: vocab of type {type(vocab).__name__}")
    pad = getattr(vocab, "pad", None)
    return tuple(chars), pad


def describe(gan_or_generator, latent_dim=None, num_classes=None, vocab=None, weights=None):
    """Resolve and check everything needed to export; see :class:`GeneratorInfo`."""
    latent_dim = _positive_int(latent_dim, "latent_dim")
    num_classes = _positive_int(num_classes, "num_classes")
    generator, latent_dim, num_classes, weights = _unwrap(gan_or_generator, latent_dim, num_classes, weights)
    latent_dim = _positive_int(latent_dim, "latent_dim")
    z = np.zeros((1, latent_dim), "float32")
    inputs = [z, np.zeros((1,), "int32")] if num_classes else z
    shape = tuple(int(d) for d in keras.ops.shape(generator(inputs, training=False))[1:])
    if len(shape) == 3:
        kind = IMAGE
    elif len(shape) == 1:
        kind = VECTOR
    elif len(shape) == 2:
        kind = TEXT
        if vocab is None:
            raise ValueError(f"The generator outputs sequences of shape (batch, seq_len, vocab)={(None,) + shape}: "
                             f"pass vocab (the run's character vocabulary) to decode them. Received: vocab=None")
    else:
        raise ValueError(f"The generator's output must be images (batch, H, W, C), character softmaxes "
                         f"(batch, seq_len, vocab) or vectors (batch, D). Received: output shape {(None,) + shape}")
    if kind != TEXT:
        if vocab is not None:
            raise ValueError(f"vocab is only for character generators (output (batch, seq_len, vocab)); this "
                             f"generator outputs {(None,) + shape}. Received: vocab of type {type(vocab).__name__}")
        return GeneratorInfo(generator, latent_dim, num_classes, kind, shape, weights=weights)
    tokens, pad = vocab_tokens(vocab)
    if len(tokens) != shape[-1]:
        raise ValueError(f"The vocabulary must have one entry per generator output channel ({shape[-1]}). "
                         f"Received: vocab of {len(tokens)} characters")
    if pad is not None and pad not in tokens:
        raise ValueError(f"The vocabulary's pad character must be one of its characters. Received: pad={pad!r}")
    return GeneratorInfo(generator, latent_dim, num_classes, kind, shape, tokens,
                         None if pad is None else tokens.index(pad), weights)

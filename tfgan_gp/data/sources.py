"""Helpers shared by the image and text loaders: tfds access that fails cleanly offline, seeded subsets, caching.

No function here downloads anything unless a loader is asked for a tfds dataset that is not prepared in
``data_dir`` yet; when that download cannot happen (no network, server down, manual download needed) the
caller gets one :class:`DataUnavailableError` sentence instead of a traceback from deep inside tfds.
Offline it comes within seconds: the download hosts are looked up first (tfds would otherwise retry each
connection ten times with back-off, about four minutes of warnings).
"""
import socket
import threading
import urllib.parse

import numpy as np
import tensorflow as tf

MANUAL_DOWNLOAD_DOCS = "https://www.tensorflow.org/datasets/overview#manual_download_if_download_fails"
CATALOG = "https://www.tensorflow.org/datasets/catalog/"
# In-memory caches above this size are skipped by ``cache="auto"`` (LSUN bedrooms at 64x64 is ~36 GB).
AUTO_CACHE_LIMIT_BYTES = 2 ** 30
RESOLVE_TIMEOUT_S = 5.0  # how long a download host's DNS lookup may take before it counts as unreachable
PACKAGED = {"fashion_mnist": ("dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist")}
"""tfds names whose files a Debian package installs offline: ``(package, folder of its IDX files)``."""


class DataUnavailableError(ValueError):
    """A tfds dataset is neither prepared in ``data_dir`` nor downloadable from here."""


def tfds_dataset(name, split, data_dir, download, local_alternative):
    """``(builder, dataset)`` of the tfds split ``name``/``split``; preparation failures -> DataUnavailableError.

    ``local_alternative`` completes the sentence "...or pass ... instead" (what local files the loader takes).
    Files are read in their stored order (``shuffle_files=False``) so subsets are reproducible.
    """
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise ValueError(f"{name!r} is neither an existing local path nor a tensorflow-datasets name "
                         f"(see {CATALOG}overview). Received: name_or_path={name!r}") from None
    if not builder.is_prepared():
        cause = "download=False was passed"
        host = _unresolvable_host(builder) if download and not _mocked(builder) else None
        if host:
            cause = f"its download host {host} cannot be resolved: no network here?"
        elif download:
            try:
                builder.download_and_prepare()
                cause = None
            except Exception as e:  # noqa: BLE001  any failure of tfds' download/preparation means "unavailable"
                detail = (str(e).strip().splitlines() or [""])[0][:160].rstrip(".").replace(". ", ", ")
                cause = f"{type(e).__name__}: {detail}"
        if cause is not None:
            raise DataUnavailableError(_unavailable_message(name, data_dir, cause, local_alternative)) from None
    return builder, builder.as_dataset(split=split, shuffle_files=False)


def _mocked(builder):
    """Under ``tfds.testing.mock_data`` ``download_and_prepare`` does nothing: there is no host to look up."""
    return getattr(getattr(type(builder), "download_and_prepare", None), "__name__", "") == "mock_download_and_prepare"


def _unresolvable_host(builder, timeout=RESOLVE_TIMEOUT_S):
    """The first of ``builder``'s download hosts that DNS cannot resolve within ``timeout`` seconds, or None.

    The hosts come from the URLs tfds registers for the dataset (``builder.url_infos``); a builder
    without registered URLs is not checked.
    """
    try:
        urls = list(getattr(builder, "url_infos", None) or ())
    except Exception:  # noqa: BLE001  a builder without a checksums file: nothing to check
        return None
    for host in sorted({urllib.parse.urlsplit(url).hostname for url in urls} - {None}):
        if not _resolves(host, timeout):
            return host
    return None


def _resolves(host, timeout):
    found = []

    def lookup():
        try:
            socket.getaddrinfo(host, None)
            found.append(True)
        except (OSError, UnicodeError):
            pass

    thread = threading.Thread(target=lookup, daemon=True)  # getaddrinfo itself has no timeout
    thread.start()
    thread.join(timeout)
    return bool(found)


def _unavailable_message(name, data_dir, cause, local_alternative):
    family = name.split("/")[0]
    manual = (f"LSUN's server is often down, so follow {CATALOG}{family} and {MANUAL_DOWNLOAD_DOCS}"
              if family == "lsun" else f"if tfds cannot download it, see {MANUAL_DOWNLOAD_DOCS}")
    if family in PACKAGED:
        package, folder = PACKAGED[family]
        manual = f"offline, `apt-get install {package}` puts its files in {folder} (pass that folder); {manual}"
    return (f"tensorflow-datasets could not prepare {name!r} in data_dir={data_dir!r} ({cause}): run "
            f"`tfds build {name}` on a machine with network access and pass its data directory with --data_dir "
            f"(data_dir=...), or pass {local_alternative} instead; {manual}.")


def count(ds):
    """Number of elements of a finite dataset (its cardinality when known, else one counting pass)."""
    n = int(ds.cardinality())
    if n == tf.data.INFINITE_CARDINALITY:
        raise ValueError("The source dataset is infinite; a finite dataset is needed to count or subset it. "
                         f"Received: cardinality={n}")
    if n >= 0:
        return n
    return int(ds.reduce(tf.constant(0, tf.int64), _increment))


def _increment(total, _):
    return total + 1


def subset(ds, total, num_examples, seed, heldout):
    """A fixed random subset of ``num_examples`` of the ``total`` elements of ``ds`` (``heldout``: its complement).

    The chosen indices are the first ``num_examples`` of ``numpy.random.default_rng(seed).permutation(total)``,
    so a subset and its held-out complement (same ``seed``) are disjoint and together cover ``ds``. Elements keep
    their source order.
    """
    if num_examples is None:
        if heldout:
            raise ValueError("heldout=True is the complement of a num_examples subset: pass num_examples too. "
                             "Received: num_examples=None")
        return ds, total
    if not isinstance(num_examples, int) or not 0 < num_examples <= total:
        raise ValueError(f"num_examples must be an integer in [1, {total}] (the size of the source). "
                         f"Received: num_examples={num_examples!r}")
    chosen = np.zeros(total, bool)
    chosen[np.random.default_rng(seed).permutation(total)[:num_examples]] = True
    keep = tf.constant(~chosen if heldout else chosen)

    def in_subset(index, _):
        return keep[index]

    def drop_index(_, element):
        return element

    kept = (ds.enumerate().filter(in_subset).map(drop_index)
            .apply(tf.data.experimental.assert_cardinality(total - num_examples if heldout else num_examples)))
    return kept, int(kept.cardinality())


def maybe_cache(ds, num_elements, bytes_per_element, cache):
    """``cache``: ``True`` (memory), ``False``, a file path prefix, or ``"auto"`` (memory if it fits the limit)."""
    if cache == "auto":
        cache = num_elements * bytes_per_element <= AUTO_CACHE_LIMIT_BYTES
    if cache is True:
        return ds.cache()
    if cache is False:
        return ds
    if isinstance(cache, str):
        return ds.cache(cache)
    raise ValueError(f"cache must be 'auto', True, False or a file path. Received: cache={cache!r}")

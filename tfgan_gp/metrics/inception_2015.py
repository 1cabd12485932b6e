"""The 2015 Inception graph in TensorFlow 2: the network behind published Inception scores and FIDs.

Two local files hold its weights (nothing is downloaded):

* ``classify_image_graph_def.pb`` from ``inception-2015-12-05.tgz`` -- the frozen GraphDef that
  Salimans et al.'s ``inception_score.py``, Gulrajani et al. and TTUR's ``fid.py`` loaded. It is imported
  with ``tf.compat.v1.wrap_function`` + ``import_graph_def`` (its 2015 batch-norm op rewritten into today's
  ops, see :func:`_without_removed_ops`); images enter at ``Mul:0`` (after the graph's own resize and
  ``(x − 128) / 128``, as TF-GAN fed it), so any batch size works. Features are ``pool_3:0``
  (2048-d); logits are ``pool_3 · W`` with ``W`` the weights of ``softmax/logits/MatMul`` and no bias, as
  Salimans et al.'s script computed them (the published scores; the bias raises IS by a few per cent).
* TF-GAN's TF-Hub module directory (``tfgan/eval/inception/1``: ``saved_model.pb`` + ``variables/``),
  a TF1 SavedModel whose ``default`` signature maps images in ``[-1, 1]`` to ``logits`` and ``pool_3``.

Either way the network is called on float32 ``(B, 299, 299, 3)`` images in ``[0, 255]`` that the
protocol has already resized, and the file is identified by its SHA-256.
"""
import hashlib
import os

import tensorflow as tf

SIZE = 299
INPUT_TENSOR = "Mul:0"
POOL_TENSOR = "pool_3:0"
LOGITS_MATMUL = "softmax/logits/MatMul"
HUB_SIGNATURE = "default"


def file_sha256(path):
    """SHA-256 of a file, or of a directory's files (sorted relative paths and contents)."""
    digest = hashlib.sha256()
    paths = [path] if os.path.isfile(path) else sorted(
        os.path.join(folder, f) for folder, _, files in os.walk(path) for f in files)
    for p in paths:
        if os.path.isdir(path):
            digest.update(os.path.relpath(p, path).encode())
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _graph_def(path):
    with open(path, "rb") as f:
        data = f.read()
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except Exception as err:  # protobuf's DecodeError
        raise ValueError(f"inception_graph must be a GraphDef file (classify_image_graph_def.pb), but {path!r} "
                         f"does not parse as one ({err}). Received: inception_graph={path!r}") from None
    for node in graph_def.node:  # static batch-1 shapes from 2015 would only be hints; drop them
        if "_output_shapes" in node.attr:
            del node.attr["_output_shapes"]
    return _without_removed_ops(graph_def)


def _node(name, op, inputs, device, dtype, **tensors):
    node = tf.compat.v1.NodeDef(name=name, op=op, input=inputs, device=device)
    if op == "Const":
        node.attr["dtype"].CopyFrom(dtype)
        node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(tensors["value"], tf.float32))
    else:
        node.attr["T"].CopyFrom(dtype)
    return node


def _without_removed_ops(graph_def):
    """Replace ``BatchNormWithGlobalNormalization`` (removed in GraphDef version 9) by the same arithmetic.

    The 2015 graph normalises with this op; a TF1 session still runs it (the imported graph keeps the
    file's old version), but ``tf.function`` graphs carry today's version and refuse it. TensorFlow's
    kernel computes ``(t − m) · rsqrt(v + ε) [· γ] + β``; so do the replacement nodes, under the same name.
    """
    nodes = []
    for node in graph_def.node:
        if node.op != "BatchNormWithGlobalNormalization":
            nodes.append(node)
            continue
        t, mean, var, beta, gamma = node.input[:5]
        control = [i for i in node.input[5:] if i.startswith("^")]
        dtype, name, device = node.attr["T"], node.name, node.device
        eps = node.attr["variance_epsilon"].f
        scale = f"{name}/rsqrt"
        nodes += [_node(f"{name}/epsilon", "Const", control, device, dtype, value=eps),
                  _node(f"{name}/var_plus_eps", "AddV2", [var, f"{name}/epsilon"], device, dtype),
                  _node(scale, "Rsqrt", [f"{name}/var_plus_eps"], device, dtype)]
        if node.attr["scale_after_normalization"].b:
            nodes.append(_node(f"{name}/scale", "Mul", [scale, gamma], device, dtype))
            scale = f"{name}/scale"
        nodes += [_node(f"{name}/centred", "Sub", [t, mean], device, dtype),
                  _node(f"{name}/scaled", "Mul", [f"{name}/centred", scale], device, dtype),
                  _node(name, "AddV2", [f"{name}/scaled", beta], device, dtype)]
    del graph_def.node[:]
    graph_def.node.extend(nodes)
    return graph_def


class Inception2015:
    """The 2015 Inception network from ``classify_image_graph_def.pb`` or TF-GAN's TF-Hub module directory.

    ``network(images)`` takes float32 ``(B, 299, 299, 3)`` in ``[0, 255]`` and returns
    ``(logits (B, 1008), pool_3 features (B, 2048))``.

    Args:
        path: the ``.pb`` file or the module directory.
        logits_bias: add the softmax bias to the graph's logits (Salimans et al. did not; GraphDef only).
    """

    def __init__(self, path, logits_bias=False):
        path = os.fspath(path)
        self.path = path
        self.sha256 = file_sha256(path)
        if os.path.isdir(path):
            self._fn = self._hub_module(path)
            self.source, self.logits = "tf-hub module", "the module's 'logits' output"
        else:
            self._fn = self._graph(path, logits_bias)
            self.source = "GraphDef"
            self.logits = "pool_3 · W + b" if logits_bias else "pool_3 · W (no bias, as Salimans et al.)"

    def _graph(self, path, logits_bias):
        graph_def = _graph_def(path)

        def body(images):  # (x − 128) / 128 is what the graph's Sub and Mul compute; its output is Mul:0
            tf.graph_util.import_graph_def(graph_def, input_map={INPUT_TENSOR: (images - 128.0) / 128.0},
                                           name="inception")
            graph = tf.compat.v1.get_default_graph()
            try:
                pool = graph.get_tensor_by_name(f"inception/{POOL_TENSOR}")
                matmul = graph.get_operation_by_name(f"inception/{LOGITS_MATMUL}")
            except (KeyError, ValueError) as err:
                raise ValueError(f"{path!r} is not the 2015 Inception graph ({err}): pass "
                                 f"classify_image_graph_def.pb from inception-2015-12-05.tgz. "
                                 f"Received: inception_graph={path!r}") from None
            pool = tf.reshape(pool, [-1, pool.shape[-1]])
            logits = tf.matmul(pool, matmul.inputs[1])
            if logits_bias:
                (bias_op,) = [op for op in matmul.outputs[0].consumers() if op.type in ("Add", "AddV2", "BiasAdd")]
                logits = logits + bias_op.inputs[1]
            return logits, pool

        try:
            return tf.compat.v1.wrap_function(body, [tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
        except ValueError as err:
            if "Received: inception_graph" in str(err):
                raise
            raise ValueError(f"{path!r} could not be imported as the 2015 Inception graph ({err}). "
                             f"Received: inception_graph={path!r}") from None

    def _hub_module(self, path):
        if not os.path.exists(os.path.join(path, "saved_model.pb")):
            raise ValueError(f"inception_graph must be classify_image_graph_def.pb or TF-GAN's TF-Hub module "
                             f"directory (with saved_model.pb), but {path!r} has no saved_model.pb. "
                             f"Received: inception_graph={path!r}")
        hub_v1 = os.path.exists(os.path.join(path, "tfhub_module.pb"))
        self._module = tf.saved_model.load(path, tags=[] if hub_v1 else None)
        signatures = self._module.signatures
        if HUB_SIGNATURE not in signatures and len(signatures) != 1:
            raise ValueError(f"The module at {path!r} has no {HUB_SIGNATURE!r} signature. "
                             f"Received: signatures {sorted(signatures)}")
        signature = signatures[HUB_SIGNATURE] if HUB_SIGNATURE in signatures else next(iter(signatures.values()))
        (input_name,) = signature.structured_input_signature[1].keys()
        missing = {"logits", "pool_3"} - set(signature.structured_outputs)
        if missing:
            raise ValueError(f"The module at {path!r} must output 'logits' and 'pool_3' (TF-GAN's "
                             f"tfgan/eval/inception/1). Received: outputs {sorted(signature.structured_outputs)}")

        def call(images):
            out = signature(**{input_name: (images - 128.0) / 128.0})
            logits, pool = out["logits"], out["pool_3"]
            return (tf.reshape(logits, [tf.shape(logits)[0], -1]),
                    tf.reshape(pool, [tf.shape(pool)[0], -1]))

        return call

    def __call__(self, images):
        """``(logits, pool features)`` of float32 ``(B, 299, 299, 3)`` images in ``[0, 255]``."""
        return self._fn(images)


"""README's Python examples run as written, in order, in a fresh process, with only their training lengths shrunk."""
import os
import pathlib
import re
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHRINK = [(r"steps_per_epoch=\d+, epochs=\d+", "steps_per_epoch=2, epochs=1"),
          (r"iterations=2000, eval_every=500", "iterations=2, eval_every=1"),
          (r'logdir="runs/ring"', "logdir=LOGDIR")]
SERVING_A_CIFAR_RUN = 'tf.saved_model.load("runs/cifar/export")'  # (the export tests serve real exports)


def examples():
    """The README's Python blocks that use the package, dedented (some sit in list items), lengths shrunk."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [textwrap.dedent(b) for b in re.findall(r"^ *```python\n(.*?)^ *```", text, re.S | re.M)]
    chosen = []
    for block in blocks:
        if "tg." not in block or SERVING_A_CIFAR_RUN in block:
            continue
        for pattern, replacement in SHRINK:
            block = re.sub(pattern, replacement, block)
        chosen.append(block)
    return chosen


def test_the_readme_examples_run(tmp_path):
    blocks = examples()
    assert len(blocks) >= 4, "the README lost its examples"
    script = "\n".join([f"LOGDIR = {str(tmp_path / 'ring')!r}", "import tensorflow as tf", *blocks,
                        "print('README OK', gan.iteration)"])
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2"))
    assert result.returncode == 0 and "README OK 2" in result.stdout, result.stderr[-3000:]

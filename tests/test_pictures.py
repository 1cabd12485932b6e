"""The pictures of a run: the §5.6 critic-loss curves survive a resume (points kept in the run directory)."""
import glob
import json
import os

import numpy as np
import pytest

import tfgan_gp as tg

from helpers import points, toy_recipe


def curves_recipe(made):
    """:func:`toy_recipe` watched by a :class:`tg.callbacks.CriticLossCurves` (each one made is appended to
    ``made``)."""
    def callbacks(gan, logdir):
        made.append(tg.callbacks.CriticLossCurves(logdir, points(16, seed=1), points(16, seed=2), batch_size=8))
        return made[-1:]
    return toy_recipe(width=8, depth=1, callbacks=callbacks, n_critic=1)


def config(logdir, iterations):
    return tg.TrainConfig(logdir=logdir, iterations=iterations, batch_size=8, eval_every=2, seed=0,
                          precision="float32", export=False)


def stored(logdir):
    with open(os.path.join(logdir, "critic_loss.json"), encoding="utf-8") as f:
        return json.load(f)


def test_critic_loss_curves_of_a_resumed_run_draw_the_whole_run_once(tmp_path):
    """The issue's defect: after a resume, critic_loss.png held only the iterations since the resume."""
    logdir, made = str(tmp_path), []
    recipe = curves_recipe(made)
    tg.train(recipe, config(logdir, 4))                       # points at 2 and 4
    first = {"iteration": list(made[-1].iterations), **{k: list(v) for k, v in made[-1].curves.items()}}
    tg.train(recipe, config(logdir, 6))                       # resumed at 4: a new callback, one new point
    assert made[-1].iterations == [2, 4, 6]                   # what the picture draws (before: [6])
    whole = stored(logdir)
    assert whole["iteration"] == [2, 4, 6] and first["iteration"] == [2, 4]
    for name in ("train", "heldout"):
        assert whole[name][:2] == first[name] and len(whole[name]) == 3 and np.all(np.isfinite(whole[name]))
    assert os.path.exists(tmp_path / "critic_loss.png") and not glob.glob(str(tmp_path / "*.partial"))

    # resumed from an earlier checkpoint (the newest one lost): iteration 6 is trained and measured again, once
    for path in glob.glob(str(tmp_path / "checkpoints" / "ckpt-6.*")):
        os.remove(path)
    tg.train(recipe, config(logdir, 8))
    again = stored(logdir)
    assert again["iteration"] == [2, 4, 6, 8] and again["train"][:2] == first["train"]


def test_critic_loss_curves_refuse_points_of_another_measure(tmp_path):
    """A curve measured without the penalty is not continued with it (the two are different losses)."""
    logdir, made = str(tmp_path), []
    tg.train(curves_recipe(made), config(logdir, 2))
    with pytest.raises(ValueError, match=r"critic_loss.json holds critic losses without the penalty; continue the "
                                         r"curve with include_penalty=False or give a new log_dir. Received: "
                                         r"include_penalty=True"):
        tg.callbacks.CriticLossCurves(logdir, points(8), points(8), include_penalty=True)
    (tmp_path / "critic_loss.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"critic_loss.json holds no critic-loss curve .*: move it away"):
        tg.callbacks.CriticLossCurves(logdir, points(8), points(8))

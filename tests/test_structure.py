"""Where things live: imports point down and never in a circle, the public API is stable, packaging is clean."""
import ast
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

import tfgan_gp as tg

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tfgan_gp"


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def is_package(name):
    return MODULES[name].name == "__init__.py"


def imported_modules(name):
    """The package modules ``name`` imports anywhere in its source (lazy imports inside functions included)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    here = name if is_package(name) else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[:len(here.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # `import a.b.C` of a name: the module a.b
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
    return found - {name}


GRAPH = {name: imported_modules(name) for name in MODULES}


def test_no_module_imports_its_own_package():
    """A submodule never imports the package above it (that is where import loops start)."""
    upward = sorted((m, t) for m, targets in GRAPH.items() for t in targets
                    if is_package(t) and m.startswith(t + "."))
    assert not upward, f"upward imports: {upward}"


def test_package_has_no_import_cycle():
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(GRAPH[node]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, f"import cycles: {cycles}"


def test_the_walk_sees_real_edges():
    """The checks above would pass vacuously if the walk found nothing: spot-check known imports."""
    assert "tfgan_gp.divergences" in GRAPH["tfgan_gp.losses.f_gan"]
    assert "tfgan_gp.losses" not in GRAPH["tfgan_gp.divergences"]
    assert "tfgan_gp.distribute" in GRAPH["tfgan_gp.randomness"]
    assert "tfgan_gp.architectures.normalization" in GRAPH["tfgan_gp.architectures.blocks"]


def test_the_library_has_no_command_line_flags_and_no_recipe_code():
    offenders = sorted(name for name, path in MODULES.items()
                       if any(isinstance(n, (ast.Import, ast.ImportFrom))
                              and any((getattr(n, "module", None) or a.name).split(".")[0] in ("absl", "recipes",
                                                                                              "export")
                                      for a in n.names)
                              for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))))
    assert not offenders, f"modules importing absl, recipes or export: {offenders}"


def test_import_loads_no_plotting_library_and_drawing_keeps_the_process_backend():
    # Keras (3.15) itself imports matplotlib.pyplot when matplotlib is installed (keras.src.visualization);
    # tfgan_gp must add nothing to that, and drawing must not switch the backend the process chose.
    script = """
import sys
import keras, numpy as np, tensorflow
before = {m for m in sys.modules if m.startswith("matplotlib")}
import tfgan_gp, tfgan_gp.selection
added = {m for m in sys.modules if m.startswith("matplotlib")} - before
assert not added and "tfgan_gp.plotting" not in sys.modules, sorted(added)
from tfgan_gp import plotting
fig, ax = plotting.subplots(figsize=(2, 2))
plotting.value_surface(ax, lambda p: p[:, 0], np.zeros((3, 2)), resolution=8)
assert plotting.figure_png(fig).startswith(b"\\x89PNG")
import matplotlib
assert matplotlib.get_backend().lower() == "svg", matplotlib.get_backend()
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, MPLBACKEND="svg", TF_CPP_MIN_LOG_LEVEL="2"))
    assert result.returncode == 0, result.stderr[-3000:]


PUBLIC_API = {
    "tfgan_gp": ["CriticBatch", "GAN", "GANSpec", "Optimizer", "Recipe", "TrainConfig", "__version__", "architectures",
                 "augment", "averaging", "callbacks", "critic_batch", "data", "distribute", "divergences", "losses",
                 "metrics", "paper_adam", "penalties", "precision", "run_directory", "serving", "train"],
    "tfgan_gp.callbacks": ["Checkpoint", "CriticLossCurves", "Evaluate", "NaNGuard", "Samples", "Scalars",
                           "StopOnSignal", "TextSamples", "ToyValueSurface"],
    "tfgan_gp.serving": ["FORMATS", "export_generator", "export_run", "exported_iteration"],
}


@pytest.mark.parametrize("module", sorted(PUBLIC_API))
def test_public_api_snapshot(module):
    """Adding or removing a public name is a decision: update this snapshot (and README) with it."""
    import importlib

    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == PUBLIC_API[module]
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert not missing, missing


KINDS = {"tfgan_gp.losses": tg.losses.REGISTRY, "tfgan_gp.penalties": tg.penalties.REGISTRY,
         "tfgan_gp.divergences": tg.divergences.REGISTRY, "tfgan_gp.augment": tg.augment.REGISTRY,
         "tfgan_gp.architectures": tg.architectures.common.FAMILIES}


def test_one_registry_and_one_home_for_every_kind_of_part():
    from tfgan_gp import registry

    for home, kind in KINDS.items():
        assert isinstance(kind, registry.Registry), home
        for name in kind.names():
            factory = kind.lookup(name)
            module = getattr(factory, "func", factory).__module__  # (an f_gan: name is a partial of FGAN)
            assert module == home or module.startswith(home + "."), (name, module)
    assert tg.architectures.get("mlp") is tg.architectures.mlp.Family
    with pytest.raises(ValueError, match=r"architecture must be one of char_cnn, dcgan, mlp.*"
                                         r"Received: architecture='resnet'"):
        tg.architectures.get("resnet")


def test_every_part_registers_with_a_decorator_where_it_is_defined():
    """One idiom: ``@register("name")`` on the definition, never a ``register(name)(part)`` call elsewhere."""
    calls = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
                inner = node.func.func
                called = inner.attr if isinstance(inner, ast.Attribute) else getattr(inner, "id", "")
                if called == "register":
                    calls.append((name, node.lineno))
    assert not calls, f"register(name)(part) calls instead of decorators: {calls}"


def test_building_with_overrides_never_needs_mutation():
    penalty = tg.penalties.build("gp", weight=3.0)
    assert penalty.weight == 3.0 and tg.penalties.build("gp").weight == 10.0
    assert tg.penalties.build("gp_one_sided", weight=2.0).one_sided
    assert repr(tg.penalties.build("clip", weight=3.0)) == "WeightClipping(c=0.01)"  # weightless: λ ignored
    assert tg.penalties.get("clip", c=0.5).c == 0.5
    with pytest.raises(ValueError, match=r"The penalty 'gp' takes no argument c \(it takes weight, target, "
                                         r"one_sided\)\. Received: c=1"):
        tg.penalties.get("gp", c=1)
    assert tg.losses.get("f_gan:kl", generator="saddle").generator == "saddle"
    assert tg.losses.get("f_gan:kl").name == tg.losses.F_GAN_PREFIX + "kl"


def test_no_test_imports_another_test_file():
    tests = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    offenders = []
    for path in (ROOT / "tests").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [(path.name, n) for n in names if n.split(".")[-1] in tests or n.startswith("tests.")]
    assert not offenders, offenders


def test_wheel_installs_no_generic_top_level_names(tmp_path):
    """The wheel holds tfgan_gp, tfgan_gp_recipes, tfgan_gp_export and tfgan_gp_evaluate, and the tools run from it."""
    import shutil

    source, wheels = tmp_path / "source", tmp_path / "wheels"   # a copy: the build leaves nothing in the checkout
    for folder in ("tfgan_gp", "recipes", "export", "evaluate"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("tfgan_gp-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        top = {name.split("/")[0] for name in archive.namelist() if not name.split("/")[0].endswith(".dist-info")}
        archive.extractall(tmp_path / "site")
    assert top == {"tfgan_gp", "tfgan_gp_recipes", "tfgan_gp_export", "tfgan_gp_evaluate"}
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    flags = {"tfgan_gp_recipes.mnist": ("--logdir", "--num_train", "--loss"),
             "tfgan_gp_export": ("--checkpoint", "--out"),
             "tfgan_gp_evaluate": ("--samples", "--reference", "--protocol", "--inception_graph")}
    runs = {module: subprocess.Popen([sys.executable, "-m", module, "--help"], cwd=tmp_path, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE) for module in flags}
    for module, expected in flags.items():   # side by side: three TensorFlow imports cost about two
        stdout, stderr = runs[module].communicate(timeout=120)
        assert "Traceback" not in stderr, (module, stderr[-2000:])  # absl's --help exits 1
        assert all(flag in stdout for flag in expected), (module, stdout[-2000:])

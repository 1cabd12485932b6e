"""One run of every speed case: tfgan_gp's GAN and the plain references, same flags, one JSON line per case.

    python -m benchmarks.train_step [--quick] [--torch_python PATH] [--out results.jsonl]

Cases: DIM ∈ {32, 128}, batch 64, n_critic 5, precision float32 and
mixed_bfloat16, XLA off and on, plus ``--precision auto`` (XLA off). Each
implementation runs in its own child process (one at a time, never in
parallel): ``benchmarks.gan_step`` (ours), ``shared/bench/cifar_resnet_tf.py``
(TF reference, same flags) and ``shared/bench/cifar_resnet_torch.py`` (torch
reference, bf16 = CPU autocast; XLA cases have no torch counterpart). Torch
comes from ``--torch_python`` (a Python that has torch) or from this Python;
without it the torch fields say ``"skipped": "torch not installed"`` and the run
goes on. ``benchmarks.peak`` runs first; bfloat16 cases are skipped on CPUs
without native bfloat16 (emulated, one DIM-128 step would take minutes) unless
``--force_bf16``.

Per case: median seconds per generator iteration (ours and references), the
ratio reference / ours at the same precision (> 1: ours is faster), FLOPs per
generator iteration counted from the layer shapes (``benchmarks.flops``),
achieved GFLOP/s as a fraction of the measured peak of the precision the step
runs in, peak RSS of each child (``os.wait4``), the CPU kind and the number of
traces of ``train_step``. Only ratios from one run on one machine mean
anything: a shared 2-core VM is noisy.

At the end the results table replaces this CPU kind's section of ``BUILD.md``, between
``<!-- benchmarks:<kind>:start -->`` and ``<!-- benchmarks:<kind>:end -->`` (appended if absent), so the
two kinds of machine keep a table each; ``--build_md ""`` leaves BUILD.md alone.
"""
import argparse
import datetime
import importlib.util
import os
import platform
import re
import subprocess
import sys

from benchmarks.common import REPO, cpu_kind, emit, python, run_child
from tfgan_gp.precision import native_bf16_cpu

def markers(kind):
    """The BUILD.md markers around the section of CPU ``kind``."""
    return f"<!-- benchmarks:{kind}:start -->", f"<!-- benchmarks:{kind}:end -->"


TORCH_PRECISION = {"float32": "float32", "mixed_bfloat16": "bf16"}
PEAK_KEY = {"float32": "peak_float32_gflops", "mixed_bfloat16": "peak_bfloat16_gflops"}


def _parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="fewer iterations and cases (see QUICK; about 5 min on the AVX-512 kind)")
    p.add_argument("--dims", type=int, nargs="+", default=[32, 128])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--n_critic", type=int, default=5)
    p.add_argument("--torch_python", default=None, help="a Python interpreter with torch installed")
    p.add_argument("--bench_dir", default=os.path.join(os.path.dirname(REPO), "shared", "bench"))
    p.add_argument("--force_bf16", action="store_true", help="time bfloat16 even where it is emulated")
    p.add_argument("--out", default=None, help="also append the JSON lines to this file")
    p.add_argument("--build_md", default=os.path.join(REPO, "BUILD.md"),
                   help='BUILD.md whose benchmark section is rewritten ("" to skip)')
    p.add_argument("--timeout", type=float, default=1800, help="seconds allowed per child process")
    return p.parse_args()


def _torch_python(path):
    if path:
        return path
    return python() if importlib.util.find_spec("torch") else None


QUICK = ("--quick: 1 warm-up + 2 timed iterations; XLA only for float32 at "
         "DIM 32; torch float32 and bf16 at DIM 32, bf16 (its fastest) at DIM 128; auto at DIM 128 only.")


def _wanted(args, dim, precision, jit):
    """Whether a (DIM, precision, XLA) case runs: all of them, or the --quick subset."""
    return not args.quick or not jit or (dim <= 32 and precision == "float32")


def _torch_wanted(args, dim, precision):
    return not args.quick or dim <= 32 or precision == "mixed_bfloat16"


def _auto_wanted(args, dim):
    return not args.quick or dim == max(args.dims)


def _iterations(args, dim):
    """``(warmup, iters)``: fewer timed iterations where one takes seconds."""
    if args.quick:
        return (1, 2)
    return (1, 3) if dim <= 32 else (1, 2)


class Runner:
    """Runs one implementation of a case in a child process and keeps its result."""

    def __init__(self, args):
        self.args = args
        self.torch = _torch_python(args.torch_python)
        self.failures = 0

    def _flags(self, dim, jit, precision):
        warmup, iters = _iterations(self.args, dim)
        flags = ["--dim", str(dim), "--batch", str(self.args.batch), "--n_critic", str(self.args.n_critic),
                 "--iters", str(iters), "--warmup", str(warmup), "--precision", precision]
        return flags + (["--jit"] if jit else [])

    def _run(self, cmd, what):
        record, rss, stderr = run_child(cmd, timeout=self.args.timeout)
        if record is None:
            self.failures += 1
            emit({"error": f"{what} failed", "command": " ".join(cmd), "stderr_tail": stderr[-800:]},
                 self.args.out)
            return None
        record["peak_rss_mib"] = rss
        return record

    def ours(self, dim, precision, jit, *extra):
        cmd = [python(), "-m", "benchmarks.gan_step", *self._flags(dim, jit, precision), *extra]
        return self._run(cmd, "tfgan_gp")

    def tf_reference(self, dim, precision, jit):
        script = os.path.join(self.args.bench_dir, "cifar_resnet_tf.py")
        return self._run([python(), script, *self._flags(dim, jit, precision)], "tf reference")

    def torch_reference(self, dim, precision):
        if self.torch is None:
            return {"skipped": "torch not installed"}
        probe = subprocess.run([self.torch, "-c", "import torch"], capture_output=True)
        if probe.returncode:
            return {"skipped": "torch not installed"}
        script = os.path.join(self.args.bench_dir, "cifar_resnet_torch.py")
        flags = self._flags(dim, False, TORCH_PRECISION[precision])
        return self._run([self.torch, script, *flags], "torch reference") or {"skipped": "torch run failed"}


def _ratio(reference, ours):
    if not reference or not ours or "sec_per_gen_iter" not in reference:
        return None
    return round(reference["sec_per_gen_iter"] / ours["sec_per_gen_iter"], 3)


def count_flops(dim, args):
    """``(ours, TF reference)`` FLOPs per generator iteration, counted here, not in the timed children.

    Same function, different work: ours runs the 1x1 shortcut convs at the lower resolution, folds
    each resampling 3x3 conv into one stride-2 4x4 conv and skips the penalty's pass of zeros.
    """
    import importlib.util  # noqa: PLC0415
    from benchmarks import gan_step  # noqa: PLC0415  (imports TensorFlow)
    from tfgan_gp.architectures import resnet_cifar  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location("cifar_resnet_tf", os.path.join(args.bench_dir, "cifar_resnet_tf.py"))
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    ours = gan_step.iteration_flops(resnet_cifar.generator(latent_dim=gan_step.LATENT_DIM, dim=dim),
                                    resnet_cifar.critic(dim=dim), args.batch, args.n_critic)
    plain = gan_step.iteration_flops(reference.build_generator(dim), reference.build_critic(dim), args.batch,
                                     args.n_critic, skip_zero_pass=False)
    return ours, plain


def _speed(ours, peak, policy):
    gflops = ours["flops_per_gen_iter"] / ours["sec_per_gen_iter"] / 1e9
    peak_gflops = peak.get(PEAK_KEY.get(policy, ""), None) if peak else None
    return {"gflops_per_sec": round(gflops, 1), "peak_gflops": peak_gflops,
            "fraction_of_peak": round(gflops / peak_gflops, 3) if peak_gflops else None}


def _plain_work(record, ours):
    """Add the plain step's FLOPs and that work per our second as a fraction of the peak; return the FLOPs."""
    record["plain_flops_per_gen_iter"] = plain = ours["reference_flops_per_gen_iter"]
    if record["peak_gflops"]:  # above 1 when the work we skip outweighs our lower efficiency
        record["plain_flops_fraction_of_peak"] = round(
            plain / ours["sec_per_gen_iter"] / 1e9 / record["peak_gflops"], 3)
    return plain


def _case(dim, precision, jit, ours, tf_ref, torch_ref, peak, args):
    record = {"case": f"dim{dim}-{precision}-{'xla' if jit else 'no_xla'}", "cpu_kind": cpu_kind(),
              "dim": dim, "batch": args.batch, "n_critic": args.n_critic, "precision": precision,
              "policy": ours["policy"], "jit": jit, "sec_per_gen_iter": ours["sec_per_gen_iter"],
              "tf_reference_sec": tf_ref and tf_ref["sec_per_gen_iter"],
              "ratio_vs_tf_reference": _ratio(tf_ref, ours)}
    if torch_ref is not None:
        if "skipped" in torch_ref:
            record["torch_reference"] = torch_ref
        else:
            record.update(torch_reference_sec=torch_ref["sec_per_gen_iter"],
                          ratio_vs_torch_reference=_ratio(torch_ref, ours),
                          torch_reference_peak_rss_mib=torch_ref["peak_rss_mib"])
    record.update(flops_per_gen_iter=ours["flops_per_gen_iter"], **_speed(ours, peak, ours["policy"]))
    plain = _plain_work(record, ours)
    if tf_ref:
        ref_gflops = plain / tf_ref["sec_per_gen_iter"] / 1e9
        if record["peak_gflops"]:
            record["tf_reference_fraction_of_peak"] = round(ref_gflops / record["peak_gflops"], 3)
        record["tf_reference_peak_rss_mib"] = tf_ref["peak_rss_mib"]
    record.update(peak_rss_mib=ours["peak_rss_mib"], traces=ours["traces"],
                  versions={"tf": ours["tf"], "keras": ours["keras"]})
    return record


def _bf16_usable(args):
    if args.force_bf16 or native_bf16_cpu():
        return True, None
    return False, ("no native bfloat16 on this CPU (no avx512_bf16/amx_bf16 flag): it is emulated, "
                   "about 9x slower than float32; --force_bf16 to time it anyway")


def run_all(args):
    runner = Runner(args)
    peak = runner._run([python(), "-m", "benchmarks.peak"], "peak")
    if peak:
        emit(peak, args.out)
    bf16_ok, bf16_reason = _bf16_usable(args)
    cases = []
    for dim in args.dims:
        flops, reference_flops = count_flops(dim, args)
        torch_results = {}
        for precision in ("float32", "mixed_bfloat16"):
            for jit in (False, True):
                if not _wanted(args, dim, precision, jit):
                    continue
                if precision == "mixed_bfloat16" and not bf16_ok:
                    emit({"case": f"dim{dim}-{precision}-{'xla' if jit else 'no_xla'}", "skipped": bf16_reason},
                         args.out)
                    continue
                tf_ref = runner.tf_reference(dim, precision, jit)
                ours = runner.ours(dim, precision, jit)
                if ours:
                    ours.update(flops_per_gen_iter=flops, reference_flops_per_gen_iter=reference_flops)
                torch_ref = None
                if not jit and _torch_wanted(args, dim, precision):
                    torch_ref = torch_results[precision] = runner.torch_reference(dim, precision)
                if ours:
                    cases.append(_case(dim, precision, jit, ours, tf_ref, torch_ref, peak, args))
                    emit(cases[-1], args.out)
        auto = runner.ours(dim, "auto", False) if _auto_wanted(args, dim) else None
        if auto:
            auto.update(flops_per_gen_iter=flops, reference_flops_per_gen_iter=reference_flops)
            cases.append(_auto_case(dim, auto, cases, torch_results, peak, args))
            emit(cases[-1], args.out)
    return peak, cases, runner


def _auto_case(dim, auto, cases, torch_results, peak, args):
    """``auto`` against our float32 step and against torch's fastest precision, same DIM."""
    float32 = next((c for c in cases if c["case"] == f"dim{dim}-float32-no_xla"), None)
    timed = [t for t in torch_results.values() if t and "sec_per_gen_iter" in t]
    fastest = min(timed, key=lambda t: t["sec_per_gen_iter"]) if timed else None
    record = {"case": f"dim{dim}-auto-no_xla", "cpu_kind": cpu_kind(), "dim": dim, "batch": args.batch,
              "n_critic": args.n_critic, "precision": "auto", "policy": auto["policy"], "jit": False,
              "sec_per_gen_iter": auto["sec_per_gen_iter"],
              "ratio_vs_our_float32": float32 and round(float32["sec_per_gen_iter"] / auto["sec_per_gen_iter"], 3)}
    if fastest:
        record.update(torch_fastest_precision=fastest["precision"], torch_fastest_sec=fastest["sec_per_gen_iter"],
                      ratio_vs_torch_fastest=_ratio(fastest, auto))
    record.update(flops_per_gen_iter=auto["flops_per_gen_iter"], **_speed(auto, peak, auto["policy"]))
    _plain_work(record, auto)
    record.update(peak_rss_mib=auto["peak_rss_mib"], traces=auto["traces"])
    return record


# ------------------------------------------------------------------ BUILD.md
def _fmt(value, spec="{:.3g}"):
    return "-" if value is None else spec.format(value)


def _versions(cases, runner):
    versions = f"Python {platform.python_version()}"
    tf_versions = next((c["versions"] for c in cases if "versions" in c), None)
    if tf_versions:
        versions += f", TensorFlow {tf_versions['tf']}, Keras {tf_versions['keras']}"
    if runner.torch:
        out = subprocess.run([runner.torch, "-c", "import torch; print(torch.__version__)"],
                             capture_output=True, text=True)
        if out.returncode == 0:
            versions += f", torch {out.stdout.strip()} (threads = cores)"
    return versions


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        return platform.processor() or "?"


def section(peak, cases, runner, args):
    """The Markdown that goes between the BUILD.md markers of this CPU kind."""
    start, end = markers(cpu_kind())
    lines = [start, f"### Training step on the {cpu_kind()} kind", "",
             f"Written by `python -m benchmarks.train_step{' --quick' if args.quick else ''}` on "
             f"{datetime.date.today().isoformat()}: {_cpu_model()}, {os.cpu_count()} cores, CPU kind "
             f"`{cpu_kind()}`; {_versions(cases, runner)}. Batch {args.batch}, n_critic {args.n_critic}; seconds are "
             "medians per generator iteration (5 critic updates with the penalty + 1 generator update); "
             "ratio = reference / ours (> 1: ours faster), measured in this one run."
             + (" " + QUICK if args.quick else ""), ""]
    if peak:
        lines += [f"Measured peak (`benchmarks.peak`, GFLOP/s): float32 {peak['peak_float32_gflops']} "
                  f"(matmul {peak['matmul_float32_gflops']}, conv3x3 {peak['conv3x3_float32_gflops']}), "
                  f"bfloat16 {peak['peak_bfloat16_gflops']} (matmul {peak['matmul_bfloat16_gflops']}, "
                  f"conv3x3 {peak['conv3x3_bfloat16_gflops']}).", ""]
    lines += ["| case | policy | ours s | TF ref s | vs TF ref | torch s | vs torch | GFLOP/iter (ours / plain) | "
              "% of peak (ours / plain work in our time / TF ref) | peak RSS MiB (ours / TF ref) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c in cases:
        torch_s = c.get("torch_reference_sec", c.get("torch_fastest_sec"))
        vs_torch = c.get("ratio_vs_torch_reference", c.get("ratio_vs_torch_fastest"))
        vs_tf = c.get("ratio_vs_tf_reference")
        if c["precision"] == "auto":
            vs_tf = None
        fractions = f"{_fmt(c['fraction_of_peak'] and 100 * c['fraction_of_peak'], '{:.0f}')}"
        for key in ("plain_flops_fraction_of_peak", "tf_reference_fraction_of_peak"):
            if c.get(key) is not None:
                fractions += f" / {100 * c[key]:.0f}"
        flops = f"{c['flops_per_gen_iter'] / 1e9:.0f}"
        if c.get("plain_flops_per_gen_iter"):
            flops += f" / {c['plain_flops_per_gen_iter'] / 1e9:.0f}"
        rss = f"{c['peak_rss_mib']:.0f}"
        if c.get("tf_reference_peak_rss_mib") is not None:
            rss += f" / {c['tf_reference_peak_rss_mib']:.0f}"
        extra = ""
        if c["precision"] == "auto":
            extra = f" (×{_fmt(c.get('ratio_vs_our_float32'))} our float32)"
        lines.append(f"| {c['case']} | {c['policy']} | {c['sec_per_gen_iter']:.3f} | "
                     f"{_fmt(c.get('tf_reference_sec'), '{:.3f}')} | {_fmt(vs_tf)}{extra} | "
                     f"{_fmt(torch_s, '{:.3f}')} | {_fmt(vs_torch)} | {flops} | "
                     f"{fractions} | {rss} |")
    lines += ["", "`auto` rows compare with our float32 step and with torch's fastest precision at the same "
              "DIM. FLOPs are counted from the traced conv/dense shapes of each implementation's models "
              "(`benchmarks/flops.py`): the plain step (the TF reference) executes n_critic·(F_G + 12·F_D) + "
              "3·F_G + 2·F_D per generator iteration; ours computes the same function with fewer: "
              "n_critic·(F_G + 10·F_D) + 3·F_G + 2·F_D (no backward pass of zeros through the interpolates' "
              "forward) on smaller F_G, F_D (resampling convolutions folded into stride-2 kernels, 1×1 "
              "shortcuts at the low resolution). \"% of peak\": ours = FLOPs we execute per second (hardware "
              "use); plain work in our time = the plain step's FLOPs per our second (above 100 % when the "
              "skipped work outweighs the lower efficiency); TF ref = its own FLOPs per its second."]
    return "\n".join(lines + [end])


def write_build_md(path, text, kind):
    """Replace the section of CPU ``kind`` in ``path`` with ``text`` (append it when its markers are absent)."""
    with open(path, encoding="utf-8") as f:
        content = f.read()
    start, end = markers(kind)
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pattern.search(content):
        content = pattern.sub(lambda _: text, content)
    else:
        content = content.rstrip("\n") + "\n\n" + text + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)


def main():
    args = _parse()
    peak, cases, runner = run_all(args)
    if args.build_md and cases:
        write_build_md(args.build_md, section(peak, cases, runner, args), cpu_kind())
    sys.exit(1 if runner.failures else 0)


if __name__ == "__main__":
    main()

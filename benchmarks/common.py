"""What the benchmark scripts share: child processes with their peak memory, JSON lines, the CPU kind."""
import json
import os
import subprocess
import sys
import tempfile
import time

from tfgan_gp import precision

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_kind():
    """``avx512_bf16`` (native bfloat16), ``amx_bf16``, ``avx512``, ``avx2`` or ``other``, from the CPU flags."""
    flags = precision.cpu_flags()
    for flag, kind in (("amx_bf16", "amx_bf16"), ("avx512_bf16", "avx512_bf16"), ("avx512f", "avx512"),
                       ("avx2", "avx2")):
        if flag in flags:
            return kind
    return "other"


def emit(record, out_file=None):
    """Print ``record`` as one JSON line (and append it to ``out_file``)."""
    line = json.dumps(record)
    print(line, flush=True)
    if out_file:
        with open(out_file, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def run_child(cmd, timeout=None, cwd=None):
    """Run ``cmd``; return ``(last JSON line as a dict or None, peak RSS in MiB, stderr tail)``.

    The peak resident set size is the child's own (``os.wait4`` rusage
    ``ru_maxrss``), not the maximum over every child this process has reaped.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd or REPO)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = [line for line in out.read().splitlines() if line.startswith("{")]
        tail = err.read()[-2000:]
    record = json.loads(lines[-1]) if lines and proc.returncode == 0 else None
    return record, round(usage.ru_maxrss / 1024.0, 1), tail


def python():
    """The interpreter running this script (also used for the TF children)."""
    return sys.executable

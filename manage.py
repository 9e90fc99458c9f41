#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 manage.py run    # make .venv if needed, install, start the bot (or the console)
    python3 manage.py test   # make .venv if needed, install, then ruff, mypy, the import
                             # contracts (lint-imports) and pytest (cores + 1 workers; -n 0: one)

Further arguments go to the underlying command (``run`` -> ``python -m bot``, ``test`` -> pytest).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> None:
    """Create the virtual environment and (re)install when pyproject.toml changed."""
    # This file runs under whatever python3 the user has, so it checks before anything else.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if stamp.exists():
        return
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing dependencies into .venv ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def parallel() -> list[str]:
    """pytest-xdist options: one worker more than there are cores, at most 4 (each loads its
    own templates); each test file runs in one worker, so a module-scoped fixture is built
    once. The extra worker fills the time the others wait (PostgreSQL round trips, the bots
    and consoles run as processes, bounded waits): with one worker per core, a 2-core machine
    sat idle a fifth of the run; measured there, 3 workers took 57-68 s where 2 took 69-74 s
    (alternating runs; tests/xdist_order.py hands out the longest files first).
    ``python3 manage.py test -n 0`` runs in one process."""
    cores = os.cpu_count() or 1
    workers = min(cores + 1, 4) if cores > 1 else 1
    return ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []


def environment() -> dict[str, str]:
    """The environment of the commands run: this one, with Python's compiled bytecode kept in
    ``.venv/pycache`` (``PYTHONPYCACHEPREFIX``), out of the checkout, even where the shell sets
    ``PYTHONDONTWRITEBYTECODE``. Without it every Python process the tests start (two pytest
    workers, each bot and console the tests run as a process of its own) compiles discord.py,
    aiohttp, pydantic and the bot again: seconds each."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(VENV / "pycache"))
    return env


def run(*cmd: str) -> int:
    """Run ``cmd``; while it runs, Ctrl-C is the command's alone (as in a shell): the console
    clears its line, and this script neither dies with a traceback nor kills it."""
    print("$", " ".join(cmd), flush=True)
    child = subprocess.Popen(cmd, cwd=ROOT, env=environment())
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # after the start: not inherited
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell says


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    ensure_environment()
    py = str(PYTHON)
    if argv[0] == "run":
        return run(py, "-m", "bot", *(argv[1:] or ["run"]))
    steps = [
        (py, "-m", "ruff", "check", "bot", "tests", "bench", "manage.py"),
        (py, "-m", "ruff", "format", "--check", "bot", "tests", "bench", "manage.py"),
        (py, "-m", "mypy", "bot"),
        (str(BIN / ("lint-imports.exe" if os.name == "nt" else "lint-imports")),),  # layering
        (py, "-m", "pytest", "-q", *parallel(), *argv[1:]),
    ]
    for step in steps:
        started = time.perf_counter()
        code = run(*step)
        if code:
            return code
        if step is not steps[-1]:  # pytest says its own time, on the last line
            print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

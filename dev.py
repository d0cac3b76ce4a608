#!/usr/bin/env python3
"""Set up and run mbmirror on a fresh machine with nothing but Python 3.11+.

    python3 dev.py demo [ARGS...]   create .venv, install mbmirror, run `mbmirror demo` (database, sample, import, API)
    python3 dev.py test [ARGS...]   create .venv, install mbmirror with its dev tools, run ruff, mypy and pytest
    python3 dev.py run ARGS...      run any `mbmirror` command inside the environment

The environment lives in ./.venv and is reinstalled only when pyproject.toml changes. When the machine has no
PostgreSQL server binaries, the `pgserver` wheel is installed as the embedded server.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".mbmirror-installed"


def run(*args: str | Path, check: bool = True) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT, check=check).returncode


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"mbmirror needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("creating virtual environment in .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing mbmirror and its dependencies", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    has_server = run(PYTHON, "-c", "from mirror.embedded import find_bindir; find_bindir()", check=False) == 0
    if not has_server:
        print("no PostgreSQL server binaries on this machine: installing the pgserver wheel", flush=True)
        run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev,embedded]")
    STAMP.write_text(wanted)


def test(args: list[str]) -> int:
    steps: list[list[str | Path]] = [
        [BIN / "ruff", "check", "."],
        [BIN / "ruff", "format", "--check", "."],
        [BIN / "mypy"],
        [PYTHON, "-m", "pytest", *args],
    ]
    for step in steps:
        print("$", " ".join(str(s.name) if isinstance(s, Path) else s for s in step), flush=True)
        code = run(*step, check=False)
        if code != 0:
            return code
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "run"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    ensure_environment()
    if command == "test":
        return test(rest)
    mbmirror = BIN / "mbmirror"
    if command == "demo":
        return run(mbmirror, "demo", *rest, check=False)
    return run(mbmirror, *rest, check=False)


if __name__ == "__main__":
    sys.exit(main())

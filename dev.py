#!/usr/bin/env python3
"""Bootstrap and run the bot or its tests with nothing but Python 3.11+.

    python3 dev.py start [ARGS…]   install everything into .venv, then python -m bot ARGS
    python3 dev.py test  [ARGS…]   install everything (incl. test tools), then pytest ARGS

The virtualenv is (re)installed only when pyproject.toml changed since the last
install, so repeated runs start at once. System packages the bot needs beyond
Python (the CJK font of the staff charts) come from scripts/setup-system.sh, run
here when this is a Debian machine and we are root; elsewhere install them as that
script says. The standard library only: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def _needs_install(extras: str) -> bool:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    return not PYTHON.exists() or not STAMP.exists() or STAMP.read_text() != digest


def install(extras: str) -> None:
    """Create .venv and install the project (editable) with ``extras``."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not _needs_install(extras):
        return
    if not PYTHON.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(f"installing {target} into .venv …", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    STAMP.write_text(digest)


def install_system() -> None:
    """Run scripts/setup-system.sh where it can work (root on Debian); else say what is missing."""
    script = ROOT / "scripts" / "setup-system.sh"
    can_install = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")
    if can_install:
        subprocess.run(["bash", str(script)], check=True, cwd=ROOT)
    elif subprocess.run(["bash", str(script), "--check"], cwd=ROOT).returncode != 0:
        print(f"note: system packages missing; run {script.relative_to(ROOT)} as root", flush=True)


def main(argv: list[str]) -> int:
    """Dispatch ``start`` or ``test``."""
    if not argv or argv[0] not in {"start", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    install_system()
    if command == "start":
        install("")
        os.execv(str(PYTHON), [str(PYTHON), "-m", "bot", *rest])
    install("dev")
    os.chdir(ROOT)
    os.execv(str(PYTHON), [str(PYTHON), "-m", "pytest", *rest])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

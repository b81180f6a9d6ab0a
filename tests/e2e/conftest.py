"""Fixtures of the end-to-end tier: the tgemu emulator and the real bot process.

The emulator (``server.js`` and its Python driver ``driver.py``) lives in the shared
folder beside the clone, ``<repo>/../shared/tgemu``, or wherever ``TGEMU_DIR`` says.
That folder is read-only in CI, so its Node modules are installed by its ``setup.sh``
into ``<repo>/.cache/tgemu-node`` (gitignored): once per machine, under a file lock
(several test sessions may run at once), again only when its package-lock changes.
``TGH_NODE_MODULES`` pointing at an installed ``node_modules`` skips the install.

Without node (or without npm while the modules are not installed yet) the tests are
skipped with the reason — except when ``CI=true``: CI must prove this tier, so there
a missing tool fails the run.

The bot runs as ``python -m bot`` in ``tmp_path`` (so no developer ``.env`` is read)
with an environment free of the developer's ``BOT_*`` variables.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.e2e import CACHE, E2E, INSTALLED, REPO, TOKEN, unavailable

try:
    import fcntl
except ImportError:  # Windows: the driver needs POSIX anyway, see node_modules()
    fcntl = None  # type: ignore[assignment]


@pytest.fixture(scope="session")
def tgemu_dir() -> Path:
    """The emulator's folder (server.js, driver.py, setup.sh, node/)."""
    configured = os.environ.get("TGEMU_DIR")
    path = Path(configured) if configured else REPO.parent / "shared" / "tgemu"
    if not (path / "driver.py").is_file():
        unavailable(f"the tgemu emulator is not at {path} (set TGEMU_DIR)")
    return path


@pytest.fixture(scope="session")
def node_modules(tgemu_dir: Path) -> Iterator[Path]:
    """The emulator's installed Node modules, exported as TGH_NODE_MODULES."""
    if fcntl is None:
        unavailable("the tgemu driver needs a POSIX system (select() on pipes, signals)")
    if shutil.which("node") is None:
        unavailable("node is not installed; the e2e tests run the Bot API emulator on Node.js")
    preset = os.environ.get("TGH_NODE_MODULES")
    if preset and (Path(preset) / INSTALLED).is_dir():
        yield Path(preset)
        return
    dest = CACHE / "tgemu-node"
    lock_file = tgemu_dir / "node" / "package-lock.json"
    wanted = hashlib.sha256(lock_file.read_bytes()).hexdigest()
    stamp = dest / ".installed"
    dest.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "tgemu-node.lock", "w") as lock:
        # another test session may be installing right now
        fcntl.flock(lock, fcntl.LOCK_EX)  # type: ignore[union-attr]
        if not ((dest / "node_modules" / INSTALLED).is_dir() and stamp.is_file()
                and stamp.read_text() == wanted):
            if shutil.which("npm") is None:
                unavailable("npm is not installed; it is needed once to install the emulator's Node modules")
            for name in ("package.json", "package-lock.json"):  # copies of read-only files
                (dest / name).unlink(missing_ok=True)
            result = subprocess.run(["bash", str(tgemu_dir / "setup.sh"), str(dest)],
                                    capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.fail(f"tgemu setup.sh failed:\n{result.stdout}\n{result.stderr[-3000:]}", pytrace=False)
            stamp.write_text(wanted)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TGH_NODE_MODULES", str(dest / "node_modules"))
        yield dest / "node_modules"


@pytest.fixture(scope="session")
def tgemu(tgemu_dir: Path, node_modules: Path) -> ModuleType:
    """The emulator's Python driver module (start_server, start_bot, User, …)."""
    spec = importlib.util.spec_from_file_location("tgemu_driver", tgemu_dir / "driver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def e2e(tgemu: ModuleType, tmp_path: Path) -> Iterator[E2E]:
    """A running emulator on 127.0.0.1 (stopped afterwards) and an empty bot workspace."""
    emu = tgemu.start_server(token=TOKEN, host="127.0.0.1", log_path=tmp_path / "emulator.log")
    try:
        yield E2E(tgemu, emu, tmp_path)
    finally:
        emu.stop()

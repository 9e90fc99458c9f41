"""A private PostgreSQL cluster a test may stop and start: ``initdb`` in a temporary folder,
``pg_ctl`` on a free port of 127.0.0.1. Never the shared server on 5432, which other tests use.

Skipped when ``initdb`` is not installed, except under ``CI=true``, where it must be (the test
then fails). PostgreSQL refuses to run as root: as root, the cluster runs as the ``postgres``
user (or ``nobody``), its folder given to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["PrivateCluster", "private_cluster"]

_SEARCHED = ("/usr/local/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


def _initdb() -> Path | None:
    found = shutil.which("initdb") or next(
        (str(Path(d) / "initdb") for d in _SEARCHED if (Path(d) / "initdb").exists()), None
    )
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PrivateCluster:
    folder: Path
    pg_ctl: Path
    port: int
    user: str | None  # run as this user (we are root), else as ourselves

    @property
    def url(self) -> str:
        return f"postgresql://test@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str | Path, check: bool = True) -> int:
        command = [str(a) for a in args]
        if self.user is not None:  # pg_ctl, like initdb, refuses to run as root
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")
        return done.returncode

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.folder / "server.log"
        self._run(self.pg_ctl, "-D", self.folder / "data", "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(self.pg_ctl, "-D", self.folder / "data", "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return self._run(self.pg_ctl, "-D", self.folder / "data", "status", check=False) == 0


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A started private cluster (user ``test``, trust auth), stopped and removed on exit."""
    initdb = _initdb()
    if initdb is None:
        if os.environ.get("CI") == "true":
            pytest.fail("initdb is missing: CI must install PostgreSQL's server binaries")
        pytest.skip("initdb is not installed: no private PostgreSQL cluster to stop and start")
    user: str | None = None
    folder = Path(tempfile.mkdtemp(prefix="sco-pg-"))
    if os.geteuid() == 0:
        user = "postgres" if _has_user("postgres") else "nobody"
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    cluster = PrivateCluster(folder, initdb.parent / "pg_ctl", _free_port(), user)
    try:
        cluster._run(
            initdb, "-D", folder / "data", "-U", "test", "-A", "trust", "-E", "UTF8",
            "--no-sync", "--locale=C.UTF-8",
        )  # fmt: skip
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True

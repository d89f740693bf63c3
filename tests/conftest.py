"""Fixtures every test package may use: the records database on both backends.

`database_url` is parametrised over SQLite and PostgreSQL, so each test that touches
the records database runs on both. PostgreSQL is a real server from Debian's
package (`make test` installs it), started once per test session in a temporary
directory on a free loopback port and stopped at the end; each test gets a database
of its own. Without the server binaries the PostgreSQL half is skipped with the
reason, except in CI (`CI` set), where that would hide a broken set-up, so it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles

from watchkeeper.accounts import passwords
from watchkeeper.settings import Settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_postgres(args: list[str]) -> list[str]:
    """Run server binaries as `postgres` when we are root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server; yields its URL without a database name."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        message = "PostgreSQL server binaries not found (make test installs Debian's postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="wk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-o",
                options,
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            ),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def new_database(request: pytest.FixtureRequest) -> Callable[[str, Path], str]:
    """Makes a new, empty records database: `new_database(backend, directory) -> URL`."""

    def make(backend: str, directory: Path) -> str:
        if backend == "sqlite":
            return f"sqlite:///{directory / 'records.sqlite3'}"
        import psycopg

        server: str = request.getfixturevalue("postgres_server")
        name = f"wk_{uuid.uuid4().hex[:12]}"
        plain = server.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"{server}/{name}"

    return make


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, new_database: Callable[[str, Path], str]
) -> str:
    """A fresh, empty records database on each backend in turn."""
    return new_database(request.param, tmp_path)


@pytest.fixture
def node_settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings of a node of its own (data directory, records database) for one test."""
    return Settings(data_dir=tmp_path / "node", database_url=database_url)


#: Real AIS from the Danish Maritime Authority (one hour of 2013-11-12, ~26,000
#: messages; provenance in ../shared/data/ais/SOURCES.md), when the shared data is there.
DMA_SAMPLE = Path(__file__).resolve().parents[1].parent / (
    "shared/data/ais/dma-aisabnormal/ais-sample-20131112.txt"
)


@pytest.fixture(scope="session")
def dma_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An archive holding the real DMA sample (read-only for tests); skipped when absent."""
    from watchkeeper.tracks import Archive
    from watchkeeper.tracks.ingest import ingest_file

    if not DMA_SAMPLE.is_file():
        pytest.skip(f"{DMA_SAMPLE} is absent (../shared/data is not beside this checkout)")
    with Archive(tmp_path_factory.mktemp("dma") / "archive") as archive:
        ingest_file(archive, DMA_SAMPLE)
        yield archive


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its cheapest parameters inside the test process: the tests create and
    sign in hundreds of users, and at the node's parameters (64 MiB, 3 passes) each hash
    costs 0.2-0.8 s. The node's own parameters are tested where they matter
    (tests/accounts/test_login.py, the upgrade of an old hash at login)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield

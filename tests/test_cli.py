"""The `watchkeeper` command: version, the `serve --get` smoke test, one-line errors."""

from __future__ import annotations

import json
import os
import socket
from typing import TYPE_CHECKING

import pytest
import uvicorn
from typer.testing import CliRunner

from watchkeeper import __version__
from watchkeeper.cli.main import app

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No WATCHKEEPER_* from the developer's shell; whatever the node writes goes to tmp_path."""
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail instead of serving forever if a test reaches uvicorn by mistake."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("uvicorn was started")

    monkeypatch.setattr(uvicorn.Server, "run", refuse)


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_serve_get_healthz_prints_ok_json_and_creates_the_data_dir(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--get", "/healthz"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"status": "ok", "version": __version__}
    assert (tmp_path / "watchkeeper-data" / "archive").is_dir()
    assert (tmp_path / "watchkeeper-data" / "state").is_dir()


def test_serve_get_unknown_path_exits_non_zero() -> None:
    result = runner.invoke(app, ["serve", "--get", "/no/such/page"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"detail": "Not Found"}


def test_bad_setting_is_one_line_on_stderr_without_traceback() -> None:
    result = runner.invoke(app, ["serve", "--get", "/healthz"], env={"WATCHKEEPER_PORT": "nope"})
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("watchkeeper: error: invalid setting")
    assert "WATCHKEEPER_PORT" in lines[0]
    assert "Traceback" not in result.output


def test_bad_settings_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "watchkeeper.toml").write_text("port = [\n", encoding="utf-8")
    result = runner.invoke(app, ["serve", "--get", "/healthz"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "cannot parse watchkeeper.toml" in result.stderr


@pytest.mark.usefixtures("no_server")
def test_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in result.stderr
    assert "Traceback" not in result.output


def test_no_arguments_shows_the_commands() -> None:
    result = runner.invoke(app, [])
    assert "serve" in result.output
    assert "version" in result.output


def test_serve_with_a_udp_port_in_use_fails_in_one_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        env = {"WATCHKEEPER_DATA_DIR": str(tmp_path), "WATCHKEEPER_UDP_LISTEN": f"127.0.0.1:{port}"}
        result = runner.invoke(app, ["serve"], env=env)
    assert result.exit_code == 1
    assert f"cannot listen for UDP on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output

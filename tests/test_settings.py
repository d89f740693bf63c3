"""Settings: defaults, environment, TOML file, precedence, and one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from watchkeeper.errors import ConfigError
from watchkeeper.settings import Settings, get_settings, load_settings


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No WATCHKEEPER_* from the developer's shell, and no watchkeeper.toml but the test's."""
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = get_settings()
    assert settings.data_dir == Path("watchkeeper-data")
    assert settings.archive_dir == Path("watchkeeper-data/archive")
    assert settings.state_dir == Path("watchkeeper-data/state")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.tcp_feeds == []
    assert settings.udp_listen is None
    assert settings.decode_chunk_bytes == 16 * 1024 * 1024
    assert settings.fragment_window_lines == 256
    assert settings.live_batch_seconds == 2.0
    assert settings.live_batch_messages == 10_000


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHKEEPER_PORT", "9001")
    monkeypatch.setenv("WATCHKEEPER_DATA_DIR", "/srv/wk")
    monkeypatch.setenv("WATCHKEEPER_UDP_LISTEN", "0.0.0.0:10110")
    monkeypatch.setenv("WATCHKEEPER_LIVE_BATCH_SECONDS", "0.5")
    settings = load_settings()
    assert settings.port == 9001
    assert settings.archive_dir == Path("/srv/wk/archive")
    assert settings.udp_listen == "0.0.0.0:10110"
    assert settings.live_batch_seconds == 0.5


@pytest.mark.parametrize(
    "raw", ["ais1.example:4001, [::1]:4002", '["ais1.example:4001", "[::1]:4002"]']
)
def test_tcp_feeds_from_environment_as_list_or_commas(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("WATCHKEEPER_TCP_FEEDS", raw)
    assert load_settings().tcp_feeds == ["ais1.example:4001", "[::1]:4002"]


def test_toml_file_in_working_directory_is_read() -> None:
    Path("watchkeeper.toml").write_text(
        'port = 8100\ntcp_feeds = ["10.0.0.5:4001"]\ndata_dir = "/data/wk"\n', encoding="utf-8"
    )
    settings = load_settings()
    assert settings.port == 8100
    assert settings.tcp_feeds == ["10.0.0.5:4001"]
    assert settings.data_dir == Path("/data/wk")


def test_toml_file_named_by_watchkeeper_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "elsewhere" / "node.toml"
    config.parent.mkdir()
    config.write_text("fragment_window_lines = 64\n", encoding="utf-8")
    Path("watchkeeper.toml").write_text("fragment_window_lines = 8\n", encoding="utf-8")
    monkeypatch.setenv("WATCHKEEPER_CONFIG", str(config))
    assert load_settings().fragment_window_lines == 64


def test_environment_beats_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("watchkeeper.toml").write_text('port = 8100\nhost = "0.0.0.0"\n', encoding="utf-8")
    monkeypatch.setenv("WATCHKEEPER_PORT", "8200")
    settings = load_settings()
    assert settings.port == 8200
    assert settings.host == "0.0.0.0"


def test_arguments_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHKEEPER_PORT", "8200")
    assert load_settings(port=8300).port == 8300


def test_bad_environment_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WATCHKEEPER_PORT", "eighty")
    with pytest.raises(ConfigError, match=r"WATCHKEEPER_PORT.*valid integer.*'eighty'") as info:
        load_settings()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WATCHKEEPER_PORT", "70000"),
        ("WATCHKEEPER_TCP_FEEDS", "ais.example"),
        ("WATCHKEEPER_TCP_FEEDS", '["a:1"'),
        ("WATCHKEEPER_UDP_LISTEN", "0.0.0.0"),
        ("WATCHKEEPER_FRAGMENT_WINDOW_LINES", "0"),
        ("WATCHKEEPER_LIVE_BATCH_SECONDS", "-1"),
    ],
)
def test_out_of_range_values_are_rejected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name) as info:
        load_settings()
    assert "\n" not in str(info.value)


def test_unknown_toml_key_is_rejected() -> None:
    Path("watchkeeper.toml").write_text("prot = 8100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"watchkeeper\.toml.*prot: unknown setting"):
        load_settings()


def test_unparsable_toml_is_rejected() -> None:
    Path("watchkeeper.toml").write_text("port = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot parse watchkeeper\.toml"):
        load_settings()


def test_missing_explicit_config_file_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHKEEPER_CONFIG", "no-such.toml")
    with pytest.raises(ConfigError, match=r"WATCHKEEPER_CONFIG=no-such\.toml: no such file"):
        load_settings()


def test_create_dirs_makes_data_archive_and_state(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "node")
    settings.create_dirs()
    assert settings.archive_dir.is_dir()
    assert settings.state_dir.is_dir()


def test_create_dirs_failure_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="WATCHKEEPER_DATA_DIR"):
        Settings(data_dir=blocker / "node").create_dirs()

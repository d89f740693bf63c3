"""Scenario files: the built-in ones load, and every mistake is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import ConfigError
from watchkeeper.sim.scenario import BEHAVIOURS, builtin_scenarios, load_scenario

MINIMAL = """
name = "mini"
region = [10.0, 12.0, 34.0, 36.0]
vessels = 5
[[ports]]
key = "A"
name = "Port A"
country = "TN"
lat = 35.0
lon = 11.0
"""


def test_the_three_partner_scenarios_ship_and_load() -> None:
    names = builtin_scenarios()
    assert {"central-med", "atlantic-west-africa", "tunisia-libya-land"} <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert scenario.name == name
        assert set(scenario.behaviours) <= set(BEHAVIOURS)


def test_a_scenario_file_is_loaded_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINIMAL)
    scenario = load_scenario(path)
    assert scenario.port("A").name == "Port A"
    assert scenario.hours == 24  # defaults fill what the file leaves out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[lanes]]\nbetween = ["A", "NOPE"]\n', "unknown port keys ['NOPE']"),
        ("behaviours = { shipwreck = 1 }\n", "unknown behaviours ['shipwreck']"),
        ("message_loss = 1.5\n", "message_loss"),
        ('[[receivers]]\nid = "r1"\nlat = 95.0\nlon = 11.0\n', "receivers.0.lat"),
        ("behaviours = { border_crossing = 2 }\n", "needs a [land] section"),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_key(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    text = (
        MINIMAL.replace("vessels = 5\n", "vessels = 5\n" + extra)
        if extra.startswith(("behaviours", "message"))
        else MINIMAL + extra
    )
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_broken_toml_and_unknown_names_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(path)
    with pytest.raises(ConfigError, match="unknown scenario 'atlantis'.*central-med"):
        load_scenario("atlantis")

"""Who the simulated ships are: MMSI, class, name, call sign, IMO, type and size.

Identities follow the rules real ones do, so the detectors see familiar shapes:
the MMSI starts with a Maritime Identification Digit of the flag (ITU-R M.585),
call signs start with the flag's ITU prefix, IMO numbers carry a valid check
digit, and ship types and sizes are drawn by role (ITU-R M.1371 table 53).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from watchkeeper.ais.identifiers import imo_check_digit

__all__ = [
    "CALLSIGN_PREFIX",
    "MIDS",
    "Fleet",
    "Ship",
    "ship_for_role",
]

#: Maritime Identification Digits of the flags the scenarios use (ITU MID table).
MIDS: Final[dict[str, tuple[int, ...]]] = {
    "TN": (672,),
    "IT": (247,),
    "MT": (215, 229, 248, 249, 256),
    "LY": (642,),
    "DZ": (605,),
    "EG": (622,),
    "GR": (237, 239, 240, 241),
    "TR": (271,),
    "ES": (224, 225),
    "FR": (226, 227, 228),
    "PT": (255, 263),
    "MA": (242,),
    "MR": (654,),
    "SN": (663,),
    "GM": (629,),
    "CV": (617,),
    "PA": (351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373),
    "LR": (636, 637),
    "MH": (538,),
    "CY": (209, 210, 212),
    "BS": (308, 309, 311),
    "NL": (244, 245, 246),
    "DE": (211, 218),
    "GB": (232, 233, 234, 235),
    "NO": (257, 258, 259),
    "SG": (563, 564, 565, 566),
    "HK": (477,),
    "CN": (412, 413, 414),
    "TG": (671,),
    "SL": (667,),
    "KM": (616,),
}

#: First characters of call signs by flag (ITU radio call sign series).
CALLSIGN_PREFIX: Final[dict[str, tuple[str, ...]]] = {
    "TN": ("3V", "TS"),
    "IT": ("IB", "IC", "IG", "IQ"),
    "MT": ("9H",),
    "LY": ("5A",),
    "DZ": ("7T",),
    "EG": ("SU",),
    "GR": ("SV", "SX"),
    "TR": ("TC",),
    "ES": ("EA", "EB"),
    "FR": ("FA", "FN"),
    "PT": ("CQ", "CS"),
    "MA": ("CN",),
    "MR": ("5T",),
    "SN": ("6W",),
    "GM": ("C5",),
    "CV": ("D4",),
    "PA": ("3E", "HO", "HP"),
    "LR": ("A8", "D5"),
    "MH": ("V7",),
    "CY": ("5B", "C4"),
    "BS": ("C6",),
    "NL": ("PB", "PD"),
    "DE": ("DA", "DC"),
    "GB": ("MA", "ZQ"),
    "NO": ("LA", "LF"),
    "SG": ("9V", "S6"),
    "HK": ("VR",),
    "CN": ("BO", "BQ"),
    "TG": ("5V",),
    "SL": ("9L",),
    "KM": ("D6",),
}

_WORDS: Final = {
    "cargo": (
        "NORDIC",
        "ATLANTIC",
        "MED",
        "OCEAN",
        "STAR",
        "EXPRESS",
        "TRADER",
        "PIONEER",
        "GLORY",
        "CARRIER",
        "SPIRIT",
        "HORIZON",
        "EAGLE",
        "FORTUNE",
        "VENTURE",
        "BRIDGE",
        "HARMONY",
    ),
    "tanker": (
        "PETRO",
        "GAS",
        "CHEM",
        "OIL",
        "SEAWAYS",
        "PRIDE",
        "ENERGY",
        "NAVIGATOR",
        "QUEEN",
        "LADY",
        "VOYAGER",
        "DYNASTY",
        "OLYMPIC",
        "AEGEAN",
        "IONIAN",
    ),
    "fishing": (
        "SIDI",
        "EL AMINE",
        "NOUR",
        "SALEM",
        "MOHAMED",
        "ESSALEM",
        "FATMA",
        "SANTA ROSALIA",
        "NUOVO",
        "MARIA",
        "PADRE PIO",
        "GIUSEPPE",
        "ANTONINO",
        "ROSARIO",
        "MAR",
        "BAHR",
    ),
    "pleasure": (
        "BLUE",
        "SUNSET",
        "DOLCE VITA",
        "ALBATROS",
        "SIRENA",
        "ONDA",
        "LIBECCIO",
        "MAESTRALE",
        "ZEPHYR",
        "AURORA",
        "MISTRAL",
        "SEA BREEZE",
    ),
}

#: (ship type codes, length range in metres, beam / length) by role.
_SHAPE: Final = {
    "cargo": ((70, 71, 79, 70, 70), (90.0, 300.0), 0.15),
    "tanker": ((80, 81, 82, 84, 89), (100.0, 330.0), 0.17),
    "ferry": ((60, 69, 60), (120.0, 210.0), 0.16),
    "fishing": ((30,), (12.0, 38.0), 0.28),
    "patrol": ((55, 35, 51), (15.0, 70.0), 0.18),
    "pleasure": ((37, 36), (8.0, 25.0), 0.3),
    "small_craft": ((0,), (6.0, 14.0), 0.3),
}


@dataclass
class Ship:
    """The particulars one ship broadcasts (type 5 or 24), plus its class."""

    mmsi: int
    cls: str  # "A" or "B"
    role: str
    flag: str
    name: str
    callsign: str
    imo: int  # 0: none (class B, small craft)
    ship_type: int
    length_m: float
    beam_m: float
    draught_m: float
    destination: str = ""
    #: Identity changes over time, (from ms, name, callsign, imo): identity spoofing.
    renames: list[tuple[int, str, str, int]] = field(default_factory=list)


@dataclass
class Fleet:
    """The ships of a run by mover index; movers without AIS are absent."""

    ships: dict[int, Ship] = field(default_factory=dict)
    _used: set[int] = field(default_factory=set)

    def new_mmsi(self, rng: np.random.Generator, flag: str) -> int:
        """A fresh, valid ship MMSI of the flag: MID then six digits, unique in the run."""
        while True:
            mid = int(rng.choice(MIDS[flag]))
            mmsi = mid * 1_000_000 + int(rng.integers(1000, 999_999))
            if mmsi not in self._used:
                self._used.add(mmsi)
                return mmsi

    def by_mover(self, n_movers: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """(MMSI, is class B) indexed by mover number; MMSI 0 for movers without AIS.

        Lookup arrays, so report tables get their identities by indexing, not per row.
        """
        mmsi = np.zeros(n_movers, np.int64)
        cls_b = np.zeros(n_movers, np.bool_)
        for mover, ship in self.ships.items():
            mmsi[mover] = ship.mmsi
            cls_b[mover] = ship.cls == "B"
        return mmsi, cls_b

    def reserve(self, mmsi: int) -> None:
        """Mark an MMSI as used (beacons, clones) so no ship draws it again."""
        self._used.add(mmsi)


def ship_for_role(
    rng: np.random.Generator, fleet: Fleet, role: str, flag: str, cls: str, destination: str = ""
) -> Ship:
    """Draw a plausible ship of the role under the flag."""
    types, (lo, hi), beam_ratio = _SHAPE[role]
    # Lengths are skewed towards the small end, as real fleets are.
    length = round(lo + (hi - lo) * float(rng.beta(1.6, 3.0)), 1)
    words = _WORDS.get(role, _WORDS["cargo"])
    name = (
        f"{rng.choice(words)} {rng.choice(words)}"
        if role in ("cargo", "tanker")
        else str(rng.choice(words))
    )
    if role == "fishing" or rng.random() < 0.3:
        name = f"{name} {int(rng.integers(1, 30))}"
    if role == "patrol":
        unit = {"TN": "GARDE NATIONALE", "IT": "CP", "MT": "P"}.get(flag, "PATROL")
        name = f"{unit} {int(rng.integers(10, 990))}"
    prefix = str(rng.choice(CALLSIGN_PREFIX[flag]))
    letters = "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), 7 - len(prefix)))
    imo = 0
    if cls == "A" and role in ("cargo", "tanker", "ferry"):
        six = int(rng.integers(100_000, 999_999))
        six = max(six, 900_000) if rng.random() < 0.5 else six  # modern ships: 9xxxxxx
        imo = six * 10 + imo_check_digit(six)
    draught = round(max(1.0, length / 18.0 * float(rng.uniform(0.7, 1.1))), 1)
    return Ship(
        mmsi=fleet.new_mmsi(rng, flag),
        cls=cls,
        role=role,
        flag=flag,
        name=name[:20],
        callsign=prefix + letters,
        imo=imo,
        ship_type=int(rng.choice(types)),
        length_m=length,
        beam_m=round(length * beam_ratio, 1),
        draught_m=draught,
        destination=destination[:20],
    )

"""What every simulated mover is: the attributes sensors and transponders need.

Index `i` of these arrays is mover `i` of the plan's `Legs`. Ships, small boats,
beacons, vehicles and people on foot share one table, so a radar or a camera sees
them all through the same code; the AIS particulars of those that carry a
transponder live in `fleet.Fleet`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["Movers"]


@dataclass
class Movers:
    """Physical movers: length, what a sensor would call them, and whether they send AIS."""

    length_m: list[float] = field(default_factory=list)
    classification: list[str] = field(
        default_factory=list
    )  # small_craft, fishing, cargo, person, ...
    on_land: list[bool] = field(default_factory=list)
    ais: list[bool] = field(default_factory=list)  # False: a dark target to every AIS receiver

    def add(
        self, length_m: float, classification: str, *, on_land: bool = False, ais: bool = True
    ) -> int:
        """Register one mover; returns its index (its `mover` number in the legs)."""
        self.length_m.append(length_m)
        self.classification.append(classification)
        self.on_land.append(on_land)
        self.ais.append(ais)
        return len(self.length_m) - 1

    def truncate(self, n: int) -> None:
        """Forget the movers from index `n` on (a plan that could not be completed)."""
        for column in (self.length_m, self.classification, self.on_land, self.ais):
            del column[n:]

    def __len__(self) -> int:
        return len(self.length_m)

    def arrays(
        self,
    ) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.str_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]
    ]:
        """(length_m, classification, on_land, ais) as arrays indexed by mover."""
        return (
            np.asarray(self.length_m, np.float64),
            np.asarray(self.classification, np.str_),
            np.asarray(self.on_land, np.bool_),
            np.asarray(self.ais, np.bool_),
        )

"""How every benchmark ends: the machine beside the figures, printed and kept as JSON."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any


def report(result: dict[str, Any], out_json: Path, width: int = 18) -> None:
    """Add the machine and load to `result`, print it aligned, and write it to `out_json`."""
    result.update(
        machine=platform.machine(),
        cpus=os.cpu_count(),
        python=platform.python_version(),
        load_avg=os.getloadavg()[0],
    )
    for key, value in result.items():
        print(
            f"{key:>{width}}: {value:,}" if isinstance(value, int) else f"{key:>{width}}: {value}"
        )
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(result, indent=2))

"""Take the README's screenshot of the picture: a demo node on a simulated scenario.

Run from the repository root (after `make install`)::

    make screenshot                                                # writes docs/picture.png
    .venv/bin/python scripts/screenshot_picture.py --speed 20 --out /tmp/picture.png

It starts a node as `make run` does (the `central-med` scenario played as a live TCP
feed, `watchkeeper.sim.demo`), faster than the wall clock (`--speed`) and with live
detection every few seconds, so that vessels and alerts, a distress among them, appear
within a minute or two; signs in through the login form in Debian's headless chromium
(the browser tests' flags), waits until the map is idle with the vessels drawn and the
alerts listed, and saves a PNG of the page. A PNG over `--max-kb` is re-encoded with a palette (Pillow) to stay small
in the repository.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from watchkeeper.testing import CHROMIUM, CHROMIUM_ARGS

REPO: Final = Path(__file__).resolve().parents[1]
USER, PASSWORD = "officer", "harbour-pilot-Sfax-42"


def _wait(condition: Callable[[], Any], what: str, patience: float) -> Any:
    deadline = time.monotonic() + patience
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"still waiting for {what} after {patience:.0f} s")
        time.sleep(0.5)
    return value


def _small_png(path: Path, max_kb: int) -> None:
    """Re-encode `path` with a 256-colour palette when it is larger than `max_kb`."""
    if path.stat().st_size <= max_kb * 1024:
        return
    from PIL import Image

    with Image.open(path) as image:
        quantized = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    quantized.save(path, optimize=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="central-med")
    parser.add_argument("--speed", type=float, default=10.0, help="times the wall clock")
    parser.add_argument("--alerts", type=int, default=3, help="open alerts to wait for")
    parser.add_argument("--patience", type=float, default=600.0, help="seconds before giving up")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "picture.png")
    parser.add_argument("--max-kb", type=int, default=350)
    args = parser.parse_args(argv)
    if not CHROMIUM.is_file():
        raise SystemExit(f"{CHROMIUM} not found: `make test-debs` installs Debian's chromium")

    from playwright.sync_api import sync_playwright

    from watchkeeper.accounts.roles import Role
    from watchkeeper.accounts.users import add_user, init_node
    from watchkeeper.api.app import create_app
    from watchkeeper.audit.trail import Actor
    from watchkeeper.settings import Settings
    from watchkeeper.sim.demo import start_demo_feed
    from watchkeeper.testing import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="wk-screenshot-") as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "node", detection_interval_seconds=5, live_batch_seconds=1
        )
        apps: list[Any] = []  # the app, once built: the scenario's contacts go to its node

        def to_node(data: bytes) -> bool:  # as `watchkeeper serve --demo` does
            node = getattr(apps[0].state, "node", None) if apps else None
            if node is None or node.contacts is None:  # not started yet: offered again
                return False
            node.ingest_contacts_csv(data, source="demo")
            return True

        feed = start_demo_feed(settings, args.scenario, speed=args.speed, on_contacts=to_node)
        app = create_app(settings.model_copy(update={"tcp_feeds": [feed]}))
        apps.append(app)
        with serve_in_thread(app) as url, sync_playwright() as playwright:
            console = Actor("console:screenshot", "DEMO", ("console",), "local")
            init_node(app.state.accounts, console, code="DEMO", name="Demo node", country="MT")
            roles = frozenset({Role.WATCH_OFFICER})
            add_user(app.state.accounts, console, USER, roles, password=PASSWORD)
            _wait(
                lambda: (
                    len(found := app.state.alerts.list()) >= args.alerts
                    and any(alert.distress for alert in found)
                ),
                f"{args.alerts} alerts, a distress among them, from the simulated feed",
                args.patience,
            )
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
            )
            # A watch centre's own zone, shown beside the UTC times.
            page = browser.new_page(
                viewport={"width": 1280, "height": 800}, timezone_id="Europe/Rome"
            )
            page.goto(f"{url}/")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{url}/")
            _wait(
                lambda: page.evaluate(
                    "window.__picture?.ready && window.__picture.vessels > 0"
                    " && document.querySelectorAll('#alerts li').length > 0"
                    " && window.__picture.contacts?.ids.size > 0"
                ),
                "vessels, sensor contacts and alerts on the page",
                args.patience,
            )
            # A few ticks of the streams after framing. Not "idle": with a live demo the
            # vessels and contacts keep the map busy; a frame drawn is what is shot.
            time.sleep(5)
            page.evaluate("new Promise((done) => window.__map.once('render', done))")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
            browser.close()
    _small_png(args.out, args.max_kb)
    print(f"{args.out}: {args.out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()

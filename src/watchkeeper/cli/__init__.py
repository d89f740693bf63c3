"""The `watchkeeper` command: thin adapters that build a core object and call it.

`cli/main.py` holds the Typer `app` (the console-script entry point) and registers
every command; a command of more than a few lines lives in its own `cli/<name>.py`.
This package imports nothing itself, so a command module can import its siblings
without a cycle through `main`.
"""

__all__: list[str] = []

"""The web API: a FastAPI application of thin routes over the domain packages.

`create_app` builds it; `uvicorn --factory watchkeeper.api.app:create_app` or
`watchkeeper serve` runs it. Routes live one module per resource in `api/routes/`.
"""

from __future__ import annotations

from watchkeeper.api.app import SettingsDep, create_app, get_app_settings

__all__ = ["SettingsDep", "create_app", "get_app_settings"]

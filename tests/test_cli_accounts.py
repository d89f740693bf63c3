"""The account commands: init, users, audit and retention, as an operator runs them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from watchkeeper.cli.main import app
from watchkeeper.records.database import Database
from watchkeeper.records.migrate import head_revision
from watchkeeper.records.models import AuditEntry

runner = CliRunner()


@pytest.fixture(autouse=True)
def node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    """A node of its own in tmp_path, on each records backend."""
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WATCHKEEPER_DATA_DIR", str(tmp_path / "node"))
    monkeypatch.setenv("WATCHKEEPER_DATABASE_URL", database_url)
    return database_url


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _init() -> str:
    code, out, _ = run(
        "init", "--agency-code", "TN-GN", "--agency-name", "Garde nationale", "--country", "tn"
    )
    assert code == 0, out
    return re.search(r"password for admin \(shown once, store it safely\): (\S+)", out).group(1)


def test_init_prints_the_first_administrators_password_once() -> None:
    password = _init()
    assert len(password) == 27
    code, out, err = run("init", "--agency-code", "X1", "--agency-name", "x", "--country", "TN")
    assert code == 1
    assert "already initialised" in err
    assert password not in out + err


def test_users_add_list_roles_disable(tmp_path: Path) -> None:
    _init()
    code, out, _ = run(
        "users", "add", "A.Benali", "-r", "watch-officer,analyst", "--full-name", "Amira Benali"
    )
    assert code == 0
    assert "added a.benali with roles analyst, watch_officer" in out
    assert "password for a.benali" in out
    code, out, _ = run("users", "roles", "a.benali", "--remove", "analyst")
    assert out.strip() == "a.benali: watch_officer"
    assert run("users", "disable", "a.benali")[1].strip() == "disabled a.benali"
    code, out, _ = run("users", "list")
    assert re.search(r"a\.benali .*watch_officer .*disabled", out)


def test_mistakes_are_one_line_errors() -> None:
    _init()
    assert run("users", "add", "karim", "-r", "captain")[2].startswith(
        "watchkeeper: error: unknown role 'captain'"
    )
    assert run("users", "disable", "ghost")[2].strip() == "watchkeeper: error: no user 'ghost'"
    assert (
        "too short"
        in run("users", "reset-password", "admin", "--password-stdin", stdin="weak\n")[2]
    )
    assert "last enabled administrator" in run("users", "disable", "admin")[2]


def test_audit_verify_passes_then_catches_an_altered_entry(node: str) -> None:
    _init()
    run("users", "add", "karim", "-r", "observer")
    code, out, _ = run("audit", "verify")
    assert code == 0
    assert out.startswith("audit trail intact: 3 entries")
    db = Database(node)
    with db.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(object_id="someone"))
    db.close()
    code, _, err = run("audit", "verify")
    assert code == 1
    assert "audit: entry 2: altered" in err
    assert "NOT intact" in err


def test_audit_export_writes_json_lines_and_is_itself_audited(tmp_path: Path) -> None:
    _init()
    out_file = tmp_path / "audit.jsonl"
    assert run("audit", "export", "--since", "2020-01-01T00:00:00Z", "-o", str(out_file))[0] == 0
    lines = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert [e["action"] for e in lines] == ["node.init", "user.add"]
    assert {
        "seq",
        "ts",
        "actor",
        "agency",
        "roles",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "client",
        "justification",
        "detail",
        "hash",
    } <= set(lines[0])
    run("audit", "export", "-o", str(out_file))
    assert json.loads(out_file.read_text().splitlines()[-1])["action"] == "audit.export"
    assert "give a UTC offset" in run("audit", "export", "--since", "2020-01-01")[2]


def test_retention_apply_reports_each_type() -> None:
    _init()
    code, out, _ = run("retention", "apply")
    assert code == 0
    assert "sessions: 0 deleted (older than 365 days)" in out
    assert "audit: 0 deleted (older than 3650 days)" in out


def test_db_upgrade_and_current() -> None:
    code, out, _ = run("db", "upgrade")
    assert code == 0
    head = head_revision()  # the newest migration, whichever it is
    assert f"upgraded from empty to {head}" in out
    assert run("db", "current")[1].strip() == f"database: {head}; code: {head}"

"""What every accounts operation needs: the database, the audit trail and the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from watchkeeper.accounts.passwords import PasswordPolicy
from watchkeeper.audit.trail import AuditTrail
from watchkeeper.records.database import Database
from watchkeeper.records.migrate import upgrade
from watchkeeper.settings import Settings

__all__ = ["AccountPolicy", "Accounts"]


@dataclass(frozen=True)
class AccountPolicy:
    """The node's rules for passwords, logins, sessions and tokens (from its settings)."""

    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)
    max_failures: int = 5
    address_max_failures: int = 20
    lockout: timedelta = timedelta(minutes=15)
    session_idle: timedelta = timedelta(hours=1)
    session_max: timedelta = timedelta(hours=14)
    token_max: timedelta = timedelta(days=365)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPolicy:
        return cls(
            passwords=PasswordPolicy(settings.password_min_length, settings.password_min_score),
            max_failures=settings.login_max_failures,
            address_max_failures=settings.login_address_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
            session_idle=timedelta(minutes=settings.session_idle_minutes),
            session_max=timedelta(hours=settings.session_max_hours),
            token_max=timedelta(days=settings.token_max_days),
        )


@dataclass(frozen=True)
class Accounts:
    """The records database, its audit trail and the account rules, passed as one."""

    db: Database
    audit: AuditTrail
    policy: AccountPolicy = field(default_factory=AccountPolicy)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> Accounts:
        trail = AuditTrail(
            checkpoint_every=settings.audit_checkpoint_every,
            checkpoint_file=settings.data_dir / "audit-checkpoints.jsonl",
        )
        return cls(db=db, audit=trail, policy=AccountPolicy.from_settings(settings))

    @classmethod
    def open(cls, settings: Settings) -> Accounts:
        """Open the node's records database, migrated to this code's schema.

        Checkpoints the audit chain's head on the way, so that a trail cut short while
        the node was down is caught by the next `audit verify`.
        """
        settings.create_dirs()
        db = Database(settings.records_url)
        upgrade(db)
        accounts = cls.from_settings(settings, db)
        accounts.audit.checkpoint(db)
        return accounts

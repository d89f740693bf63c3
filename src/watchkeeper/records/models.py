"""The tables of the records database, as SQLAlchemy 2 declarative models.

Migrations in `migrations/versions/` create exactly these (a test compares the two on
both backends). Names of constraints follow one convention so that Alembic can alter
them on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from watchkeeper.records.database import UtcDateTime

__all__ = [
    "ALERT_STATUSES",
    "Agency",
    "Alert",
    "AlertNote",
    "AlertRuleRow",
    "ApiToken",
    "Area",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "Base",
    "LoginFailure",
    "TokenRole",
    "User",
    "UserRole",
    "WebSession",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: What a watch officer has done with an alert; `retracted`: later data disproved its event.
ALERT_STATUSES = ("new", "acknowledged", "assigned", "closed", "retracted")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime}


class Agency(Base):
    """An agency: this node's own (exactly one, `own`) and, later, its partners."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), doc="ISO 3166-1 alpha-2")
    own: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class User(Base):
    """A person (or a partner node's service account) who signs in to this node."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ApiToken(Base):
    """A named, expiring, revocable credential for scripts and partner nodes.

    Only the SHA-256 of the secret is kept: tokens are 256-bit random, so a fast hash
    is enough (unlike passwords) and lets a request find its token by index.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), doc="first characters, to recognise a token")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")
    role_rows: Mapped[list[TokenRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TokenRole.role"
    )


class TokenRole(Base):
    __tablename__ = "token_roles"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class WebSession(Base):
    """A browser's signed-in session; the cookie holds a secret whose SHA-256 is kept."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """Failed logins counted per user name (`user:NAME`) and per address (`addr:IP`).

    Keyed by the name typed, whether or not such a user exists, so a lockout tells an
    attacker nothing about which names are real.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class AuditEntry(Base):
    """One line of the audit trail; `hash` chains it to the entry before it."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    ts: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(32))
    roles: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(String(64))
    justification: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, doc="JSON object")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last entry (one row), updated with each append in the same transaction."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The chain's head as it stood at some moment; entries up to `seq` may never change."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    hash: Mapped[str] = mapped_column(String(64))
    ts: Mapped[datetime]


class Alert(Base):
    """An event that a rule (or distress) made worth a watch officer's attention.

    One row per event (`event_id` is unique): an ongoing event seen again updates its
    row, and a retracted one keeps it with status `retracted`, so the record of what
    the node raised and what was done about it is never lost.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in ALERT_STATUSES)),
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    priority: Mapped[int] = mapped_column(SmallInteger, doc="1 is the most urgent")
    distress: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    mmsi: Mapped[list[int]] = mapped_column(JSON, doc="the vessels involved")
    contact_ids: Mapped[list[str]] = mapped_column(JSON, doc="the sensor tracks involved")
    start: Mapped[datetime]
    end: Mapped[datetime | None] = mapped_column(doc="null while the event is ongoing")
    detected: Mapped[datetime]
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, doc="JSON object")
    zone: Mapped[str | None] = mapped_column(String(200), doc="the zone of the rule matched")
    rule: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)

    assignee: Mapped[User | None] = relationship(lazy="joined")


class AlertNote(Base):
    """One step of an alert's history: raised, acknowledged, assigned, closed, retracted."""

    __tablename__ = "alert_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100), doc="user name, console:USER or system")
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")


class Area(Base):
    """An area of interest a user drew on the map: a zone like those of the zone files.

    Never changed once drawn (draw another instead); deleting one keeps the row with
    `deleted_at`, so the alerts that name it can still be explained.
    """

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), doc="a zone kind; `area_of_interest`")
    name: Mapped[str] = mapped_column(String(200), index=True)
    authority: Mapped[str] = mapped_column(String(200), default="")
    geometry: Mapped[str] = mapped_column(Text, doc="GeoJSON geometry (RFC 7946), WGS 84")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    deleted_by: Mapped[str | None] = mapped_column(String(100))
    deleted_at: Mapped[datetime | None]


class AlertRuleRow(Base):
    """An alert rule defined through the API, tried before the settings' `alert_rules`.

    Deleting one keeps the row with `deleted_at`: alerts name the rule that raised them.
    """

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    types: Mapped[list[str]] = mapped_column(JSON, doc="event types; empty: every type")
    zone: Mapped[str | None] = mapped_column(String(200), doc="a zone name or kind")
    min_score: Mapped[float] = mapped_column(Float)
    priority: Mapped[int | None] = mapped_column(
        SmallInteger, doc="the alerts' priority at most this (1 is the most urgent)"
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    deleted_by: Mapped[str | None] = mapped_column(String(100))
    deleted_at: Mapped[datetime | None]

"""`/api/users`: the node's users, for administrators; `/api/agency` for everyone."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from watchkeeper.accounts.passwords import MAX_PASSWORD_CHARS
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES, Role
from watchkeeper.accounts.users import (
    UserView,
    add_user,
    get_user,
    list_users,
    own_agency,
    reset_password,
    set_disabled,
    set_roles,
)
from watchkeeper.api.access import AccountsDep, allow
from watchkeeper.api.text import Text

__all__ = ["router"]

router = APIRouter(tags=["users"])

AdminDep = Annotated[Principal, allow(Role.ADMINISTRATOR)]
UsernamePath = Annotated[Text, Path(min_length=1, max_length=64, description="the user name")]


class User(BaseModel):
    username: str
    full_name: str
    agency: str
    roles: list[Role]
    disabled: bool
    created_at: datetime
    password_changed_at: datetime

    @classmethod
    def of(cls, view: UserView) -> User:
        return cls.model_validate(asdict(view))


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Text = Field(min_length=2, max_length=64, examples=["a.benali"])
    full_name: Text = Field(default="", max_length=200)
    roles: list[Role] = Field(min_length=1)
    password: Text | None = Field(
        default=None,
        max_length=MAX_PASSWORD_CHARS,
        description="omit to have one generated and returned once",
    )


class CreatedUser(BaseModel):
    user: User
    password: str | None = Field(
        description="the generated password, shown this once; null if one was given"
    )


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disabled: bool | None = None
    roles: list[Role] | None = Field(
        default=None, min_length=1, description="replaces all the user's roles"
    )


class NewPassword(BaseModel):
    password: str = Field(description="generated, shown this once")


class Agency(BaseModel):
    code: str
    name: str
    country: str


@router.get("/api/agency", response_model=Agency, summary="This node's agency")
def agency(accounts: AccountsDep, principal: Annotated[Principal, allow(*ALL_ROLES)]) -> Agency:
    with accounts.db.transaction() as session:
        own = own_agency(session)
        if own is None:  # a node that passed `watchkeeper init` always has one
            return Agency(code=principal.agency, name="", country="")
        return Agency(code=own.code, name=own.name, country=own.country)


@router.get("/api/users", response_model=list[User], summary="Every user of this node")
def users(accounts: AccountsDep, admin: AdminDep) -> list[User]:
    return [User.of(view) for view in list_users(accounts)]


@router.post("/api/users", response_model=CreatedUser, status_code=201, summary="Create a user")
def create_user(new: NewUser, accounts: AccountsDep, admin: AdminDep) -> CreatedUser:
    view, generated = add_user(
        accounts,
        admin.actor,
        new.username,
        frozenset(new.roles),
        full_name=new.full_name,
        password=new.password,
    )
    return CreatedUser(user=User.of(view), password=generated)


@router.get("/api/users/{username}", response_model=User, summary="One user")
def user(username: UsernamePath, accounts: AccountsDep, admin: AdminDep) -> User:
    return User.of(get_user(accounts, username))


@router.patch(
    "/api/users/{username}", response_model=User, summary="Disable, enable or change roles"
)
def change_user(
    username: UsernamePath, change: UserChange, accounts: AccountsDep, admin: AdminDep
) -> User:
    view = get_user(accounts, username)
    if change.roles is not None:
        view = set_roles(accounts, admin.actor, username, replace=frozenset(change.roles))
    if change.disabled is not None and change.disabled != view.disabled:
        view = set_disabled(accounts, admin.actor, username, change.disabled)
    return User.of(view)


@router.post(
    "/api/users/{username}/password",
    response_model=NewPassword,
    summary="Reset a user's password to a generated one (ends their sessions)",
)
def reset_user_password(
    username: UsernamePath, accounts: AccountsDep, admin: AdminDep
) -> NewPassword:
    generated = reset_password(accounts, admin.actor, username)
    return NewPassword(password=generated or "")

"""`/api/tokens`: API tokens for scripts and partner nodes; each user manages their own."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.tokens import TokenView, create_token, list_tokens, revoke_token
from watchkeeper.api.access import AccountsDep, PrincipalDep
from watchkeeper.api.text import Text

__all__ = ["router"]

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


class Token(BaseModel):
    id: int
    name: str
    username: str
    prefix: str = Field(description="the secret's first characters, to recognise it")
    roles: list[Role]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, view: TokenView) -> Token:
        return cls.model_validate(asdict(view))


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=100, examples=["nightly export"])
    roles: list[Role] | None = Field(default=None, description="default: all of your roles")
    days: int = Field(
        default=90, ge=1, le=36500, description="life in days (at most the node's limit)"
    )


class CreatedToken(BaseModel):
    token: Token
    secret: str = Field(description="send as 'Authorization: Bearer <secret>'; shown this once")


@router.get("", response_model=list[Token], summary="My tokens (every token, for an administrator)")
def tokens(accounts: AccountsDep, principal: PrincipalDep) -> list[Token]:
    return [Token.of(view) for view in list_tokens(accounts, principal)]


@router.post("", response_model=CreatedToken, status_code=201, summary="Create a token")
def new_token(new: NewToken, accounts: AccountsDep, principal: PrincipalDep) -> CreatedToken:
    roles = None if new.roles is None else frozenset(new.roles)
    view, secret = create_token(accounts, principal, new.name, roles=roles, days=new.days)
    return CreatedToken(token=Token.of(view), secret=secret)


@router.delete("/{token_id}", response_model=Token, summary="Revoke a token at once")
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    accounts: AccountsDep,
    principal: PrincipalDep,
) -> Token:
    return Token.of(revoke_token(accounts, principal, token_id))

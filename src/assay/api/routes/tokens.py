"""API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request

from assay.api.deps import CurrentActor, SessionDep
from assay.api.schemas.orgs import TokenCreate, TokenCreated, TokenPublic
from assay.services import auth

router = APIRouter(tags=["tokens"])


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(actor: CurrentActor, session: SessionDep):
    """Your API tokens in this organization (secrets are never shown again)."""
    return auth.list_tokens(session=session, actor=actor)


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, request: Request, actor: CurrentActor, session: SessionDep):
    """Create an API token; copy the secret now, it is stored only as a hash."""
    row, token = auth.create_token(session=session, key=request.app.state.secret, actor=actor, name=body.name)
    return TokenCreated(**TokenPublic.model_validate(row).model_dump(), token=token)


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(token_id: int, actor: CurrentActor, session: SessionDep):
    """Revoke a token; it stops working at once."""
    return auth.revoke_token(session=session, actor=actor, token_id=token_id)

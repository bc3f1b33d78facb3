"""``Client``: typed methods for every REST endpoint of an assay server."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

import httpx

from assay.sdk._files import CHUNK, PathOrFile, Progress, file_size, name_of, read_chunks
from assay.sdk._http import MASK, Http
from assay.sdk._llm import LLMMethods
from assay.sdk._models import (
    AnnotatorStats,
    AuditEvent,
    ImportReport,
    Item,
    ItemDetail,
    Me,
    Member,
    MemberCreated,
    Org,
    Project,
    RewardModel,
    SchemaVersion,
    SubmitResult,
    Task,
    Token,
    TokenCreated,
)
from assay.sdk._models import (
    Progress as ProjectProgress,
)
from assay.sdk._quality import QualityMethods

ExportFormat = Literal["jsonl", "parquet"]
ExportStatus = Literal["all", "complete", "incomplete", "annotated", "unannotated"]
ItemStatus = Literal["complete", "incomplete", "annotated", "unannotated"]


def _when(moment: datetime | str | None) -> str | None:
    return moment.isoformat() if isinstance(moment, datetime) else moment


class Client(LLMMethods, QualityMethods):
    """A connection to an assay server as one user (their API token).

    >>> client = Client("http://127.0.0.1:8000", token="assay_...")       # doctest: +SKIP
    >>> project = client.create_project(name="Reviews", label_schema=schema)  # doctest: +SKIP

    Pass ``http`` to use your own ``httpx.Client`` (for example Starlette's ``TestClient(app)``, which runs
    the server in-process); the SDK then leaves closing it to you.
    """

    def __init__(
        self, url: str, token: str | None = None, *, http: httpx.Client | None = None, timeout: float = 30,
        retries: int = 3, backoff: float = 0.5,
    ) -> None:
        self._http = Http(url, token, http=http, timeout=timeout, retries=retries, backoff=backoff)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self._http.base_url

    def __repr__(self) -> str:
        token = MASK if self._http.token else None
        return f"Client(url={self.url!r}, token={token!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (not a client you passed in)."""
        self._http.close()

    @classmethod
    def login(cls, url: str, email: str, password: str, *, token_name: str = "sdk", **kwargs: Any) -> Client:
        """Log in with e-mail and password, make an API token named ``token_name``, and return a Client."""
        anonymous = cls(url, **kwargs)
        http = anonymous._http
        http.json("POST", "/auth/login", json={"email": email, "password": password})
        try:
            created = TokenCreated.model_validate(http.json("POST", "/tokens", json={"name": token_name}))
        finally:
            # The session cookie was only needed to make the token; end it so no cookie lingers in the jar.
            with contextlib.suppress(Exception):
                http.request("POST", "/auth/logout")
        anonymous._http.token = created.token
        return anonymous

    # -- me, organizations, members, audit -----------------------------------------------------------

    def health(self) -> dict[str, str]:
        """The server's liveness answer (needs no token)."""
        return self._http.json("GET", "/health")

    def me(self) -> Me:
        """Who the token belongs to: user, organization, role and skills."""
        return Me.model_validate(self._http.json("GET", "/me"))

    def orgs(self) -> list[Org]:
        """Organizations you belong to, with your role in each."""
        return [Org.model_validate(row) for row in self._http.json("GET", "/orgs")]

    def org(self) -> Org:
        """The organization this token works in."""
        return Org.model_validate(self._http.json("GET", "/org"))

    def create_org(self, name: str) -> Org:
        """Create an organization with you as owner (make a token in it to work there)."""
        return Org.model_validate(self._http.json("POST", "/orgs", json={"name": name}))

    def members(self) -> list[Member]:
        """Members of your organization."""
        return [Member.model_validate(row) for row in self._http.json("GET", "/members")]

    def member(self, user_id: int) -> Member:
        """One member of your organization."""
        return Member.model_validate(self._http.json("GET", f"/members/{user_id}"))

    def add_member(
        self, email: str, role: str = "annotator", *, name: str = "", skills: list[str] | None = None,
        password: str | None = None,
    ) -> MemberCreated:
        """Add someone by e-mail; a new account's generated password is in ``.password`` (shown once)."""
        body = {"email": email, "role": role, "name": name, "skills": skills or [], "password": password}
        return MemberCreated.model_validate(self._http.json("POST", "/members", json=body))

    def update_member(
        self, user_id: int, *, role: str | None = None, skills: list[str] | None = None
    ) -> Member:
        """Change a member's role or skills."""
        body = {k: v for k, v in {"role": role, "skills": skills}.items() if v is not None}
        return Member.model_validate(self._http.json("PATCH", f"/members/{user_id}", json=body))

    def remove_member(self, user_id: int) -> None:
        """Remove a member from your organization (their annotations stay)."""
        self._http.request("DELETE", f"/members/{user_id}")

    def audit(self, *, limit: int = 100, before: int | None = None) -> list[AuditEvent]:
        """One page of the audit log, newest first (admins)."""
        page = self._http.json("GET", "/audit", params={"limit": limit, "before": before})
        return [AuditEvent.model_validate(row) for row in page["items"]]

    # -- tokens ----------------------------------------------------------------------------------------

    def tokens(self) -> list[Token]:
        """Your API tokens in this organization (without their secrets)."""
        return [Token.model_validate(row) for row in self._http.json("GET", "/tokens")]

    def create_token(self, name: str) -> TokenCreated:
        """Create an API token; its secret is in ``.token``, shown only this once."""
        return TokenCreated.model_validate(self._http.json("POST", "/tokens", json={"name": name}))

    def revoke_token(self, token_id: int) -> Token:
        """Revoke a token; it stops working at once."""
        return Token.model_validate(self._http.json("DELETE", f"/tokens/{token_id}"))

    # -- projects --------------------------------------------------------------------------------------

    def projects(self, *, include_archived: bool = False) -> list[Project]:
        """Projects of your organization, newest first."""
        rows = self._http.json("GET", "/projects", params={"include_archived": include_archived or None})
        return [Project.model_validate(row) for row in rows]

    def create_project(
        self, name: str, label_schema: dict[str, Any] | str, *, description: str = "", guidelines: str = "",
        overlap: int = 1, lease_seconds: int = 600, required_skills: list[str] | None = None,
        priority_order: Literal["priority", "random"] = "priority",
    ) -> Project:
        """Create a project; ``label_schema`` is an object, or JSON or YAML text."""
        body = {"name": name, "label_schema": label_schema, "description": description,
                "guidelines": guidelines, "overlap": overlap, "lease_seconds": lease_seconds,
                "required_skills": required_skills or [], "priority_order": priority_order}
        return Project.model_validate(self._http.json("POST", "/projects", json=body))

    def project(self, project_id: int) -> Project:
        """One project with its current schema."""
        return Project.model_validate(self._http.json("GET", f"/projects/{project_id}"))

    def update_project(self, project_id: int, **changes: Any) -> Project:
        """Change fields (name, guidelines, label_schema, overlap…); schema and guidelines versioned."""
        return Project.model_validate(self._http.json("PATCH", f"/projects/{project_id}", json=changes))

    def archive_project(self, project_id: int) -> Project:
        """Archive a project: its queue closes, its data stays."""
        return Project.model_validate(self._http.json("DELETE", f"/projects/{project_id}"))

    def schemas(self, project_id: int) -> list[SchemaVersion]:
        """Every version of the project's label schema."""
        rows = self._http.json("GET", f"/projects/{project_id}/schemas")
        return [SchemaVersion.model_validate(row) for row in rows]

    def progress(self, project_id: int) -> ProjectProgress:
        """Items done, in progress and remaining (reviewers and up)."""
        return ProjectProgress.model_validate(self._http.json("GET", f"/projects/{project_id}/progress"))

    def annotators(self, project_id: int) -> list[AnnotatorStats]:
        """Per annotator: annotations, median seconds per item, last active (reviewers and up)."""
        rows = self._http.json("GET", f"/projects/{project_id}/annotators")
        return [AnnotatorStats.model_validate(row) for row in rows]

    def my_stats(self, project_id: int) -> AnnotatorStats:
        """Your own count and pace in a project."""
        return AnnotatorStats.model_validate(self._http.json("GET", f"/projects/{project_id}/annotators/me"))

    # -- items -----------------------------------------------------------------------------------------

    def import_items(
        self, project_id: int, source: PathOrFile, format: str | None = None, *,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Upload a JSONL, CSV, TSV or Parquet file in chunks; a bad row rejects all (``ImportRejected``).

        The format is ``format`` or else guessed from the file name; ``progress(sent, total)`` follows it.
        """
        filename = name_of(source)
        if format is None and filename is None:
            raise ValueError("say which format the file is in: format='jsonl', 'csv', 'tsv' or 'parquet'")
        params = {"format": format} if format else {"filename": filename}
        with contextlib.ExitStack() as stack:
            if isinstance(source, str | os.PathLike):
                fileobj: IO[bytes] = stack.enter_context(open(source, "rb"))
            else:
                fileobj = source
            total = file_size(fileobj)
            headers = {"Content-Type": "application/octet-stream"}
            if total is not None:
                # A known length lets the server refuse an oversized upload before it is sent.
                headers["Content-Length"] = str(total)
            body = self._http.json("POST", f"/projects/{project_id}/items/import", params=params,
                                   headers=headers, content=read_chunks(fileobj, total, progress),
                                   retry=False)
        return ImportReport.model_validate(body)

    def add_items(self, project_id: int, rows: list[dict[str, Any]]) -> ImportReport:
        """Add up to 10,000 items from a list of rows, with the same rules as a file import."""
        body = self._http.json("POST", f"/projects/{project_id}/items", json={"items": rows}, retry=False)
        return ImportReport.model_validate(body)

    def items(
        self, project_id: int, status: ItemStatus | None = None, *, page_size: int = 100
    ) -> Iterator[Item]:
        """Every item of a project in id order, fetched page by page (reviewers and up)."""
        after: int | None = None
        while True:
            page = self._http.json("GET", f"/projects/{project_id}/items",
                                   params={"limit": page_size, "after": after, "status": status})
            yield from (Item.model_validate(row) for row in page["items"])
            after = page.get("next_cursor")
            if after is None:
                return

    def item(self, project_id: int, item_id: int) -> ItemDetail:
        """One item with all its annotations."""
        return ItemDetail.model_validate(self._http.json("GET", f"/projects/{project_id}/items/{item_id}"))

    # -- labeling queue --------------------------------------------------------------------------------

    def next_task(self, project_id: int) -> Task | None:
        """Lease the next item to label (or the one you already hold); None when nothing is left for you."""
        body = self._http.json("POST", f"/projects/{project_id}/tasks/next", retry=True)
        return Task.model_validate(body["task"]) if body["task"] else None

    def submit(
        self, project_id: int, lease_id: int, value: dict[str, Any], *, next: bool = False,
        idempotency_key: str | None = None,
    ) -> SubmitResult:
        """Submit an answer for a lease; with ``next=True`` the next task comes back in ``.task``.

        An Idempotency-Key is generated when none is given, so retries after a lost reply are safe: the
        server returns the first annotation with ``replayed=True`` instead of storing a second one.
        """
        key = idempotency_key or uuid.uuid4().hex
        body = self._http.json("POST", f"/projects/{project_id}/tasks/{lease_id}/submit",
                               json={"value": value, "next": next}, headers={"Idempotency-Key": key},
                               retry=True)
        return SubmitResult.model_validate(body)

    def skip(self, project_id: int, lease_id: int, *, next: bool = False) -> Task | None:
        """Give an item back unlabeled (not offered to you again); with ``next=True`` get the next task."""
        body = self._http.json("POST", f"/projects/{project_id}/tasks/{lease_id}/skip", json={"next": next})
        return Task.model_validate(body["task"]) if body["task"] else None

    # -- export ----------------------------------------------------------------------------------------

    def export(
        self, project_id: int, dest: PathOrFile, format: ExportFormat = "jsonl", *,
        status: ExportStatus = "all", since: datetime | str | None = None,
        until: datetime | str | None = None, progress: Progress | None = None,
    ) -> int:
        """Stream the project's items with their annotations into ``dest``; returns the bytes written.

        A path is written through a ``.part`` file renamed at the end, so a failed export leaves no half file.
        """
        params = {"format": format, "status": status, "since": _when(since), "until": _when(until)}
        with self._http.stream(f"/projects/{project_id}/export", params=params) as response:
            total = int(response.headers["content-length"]) if "content-length" in response.headers else None
            if not isinstance(dest, str | os.PathLike):
                return _copy(response, dest, total, progress)
            path = Path(dest)
            part = path.with_name(path.name + ".part")
            try:
                with open(part, "wb") as out:
                    written = _copy(response, out, total, progress)
                part.replace(path)
            finally:
                part.unlink(missing_ok=True)
            return written

    def iter_export(
        self, project_id: int, *, status: ExportStatus = "all", since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The project's export as dicts, one per item, read line by line from the JSONL stream."""
        params = {"format": "jsonl", "status": status, "since": _when(since), "until": _when(until)}
        with self._http.stream(f"/projects/{project_id}/export", params=params) as response:
            for line in response.iter_lines():
                if line.strip():
                    yield json.loads(line)

    # -- evaluation: leaderboards, contamination, reward models, active comparisons ----------------------

    def leaderboard(
        self, project_id: int, *, style: bool = False, method: Literal["newton", "mm"] = "newton",
        n_bootstrap: int = 100, question: str | None = None,
    ) -> dict[str, Any]:
        """Bradley-Terry ratings with 95% intervals, win rates and categories from pairwise judgments."""
        params = {"style": style, "method": method, "n_bootstrap": n_bootstrap, "question": question}
        return self._http.json("GET", f"/projects/{project_id}/leaderboard", params=params)

    def leaderboard_csv(
        self, project_id: int, *, style: bool = False, method: Literal["newton", "mm"] = "newton",
        n_bootstrap: int = 100, question: str | None = None,
    ) -> str:
        """The leaderboard (overall and per category) as CSV text."""
        params = {"format": "csv", "style": style, "method": method, "n_bootstrap": n_bootstrap,
                  "question": question}
        return self._http.request("GET", f"/projects/{project_id}/leaderboard", params=params).text

    def check_contamination(
        self, project_id: int, prompts: list[str] | None = None, *, prompt_project_id: int | None = None,
        threshold: float = 0.8,
    ) -> dict[str, Any]:
        """Prompts (or another project's) found exactly or nearly in this project's exportable texts."""
        body = {"prompts": prompts, "prompt_project_id": prompt_project_id, "threshold": threshold}
        return self._http.json("POST", f"/projects/{project_id}/contamination",
                               json={k: v for k, v in body.items() if v is not None}, retry=True)

    def train_reward_model(
        self, project_id: int, *, name: str | None = None, encoder: str | None = None, l2: float = 1.0,
        holdout: float = 0.2, seed: int = 0,
    ) -> RewardModel:
        """Train a reward model on the project's preferences; ``.metrics`` holds held-out accuracy, ECE, Brier."""
        body = {"name": name, "encoder": encoder, "l2": l2, "holdout": holdout, "seed": seed}
        return RewardModel.model_validate(self._http.json(
            "POST", f"/projects/{project_id}/reward-models", json={k: v for k, v in body.items() if v is not None},
            retry=False,
        ))  # fmt: skip

    def start_reward_model_training(
        self, project_id: int, *, name: str | None = None, encoder: str | None = None, l2: float = 1.0,
        holdout: float = 0.2, seed: int = 0,
    ) -> dict[str, Any]:
        """Queue training as a background job; the finished job's ``result["reward_model_id"]`` names the model."""
        body = {"name": name, "encoder": encoder, "l2": l2, "holdout": holdout, "seed": seed}
        return self._http.json("POST", f"/projects/{project_id}/reward-models/jobs",
                               json={k: v for k, v in body.items() if v is not None}, retry=False)

    def reward_models(self, project_id: int) -> list[RewardModel]:
        """The project's reward models, newest first."""
        rows = self._http.json("GET", f"/projects/{project_id}/reward-models")
        return [RewardModel.model_validate(row) for row in rows]

    def reward_model(self, project_id: int, reward_model_id: int) -> RewardModel:
        """One reward model with its metrics."""
        return RewardModel.model_validate(
            self._http.json("GET", f"/projects/{project_id}/reward-models/{reward_model_id}")
        )

    def score_responses(
        self, project_id: int, reward_model_id: int, pairs: list[tuple[str, str]]
    ) -> list[float]:
        """Rewards of ``(prompt, response)`` pairs under a trained reward model."""
        body = {"items": [{"prompt": p, "response": r} for p, r in pairs]}
        return self._http.json("POST", f"/projects/{project_id}/reward-models/{reward_model_id}/score",
                               json=body, retry=True)["scores"]

    def next_comparisons(
        self, project_id: int, k: int = 10, *, reward_model_id: int | None = None,
        strategy: str = "uncertainty", create: bool = False, **options: Any,
    ) -> dict[str, Any]:
        """The pairs most worth judging next; ``create=True`` queues them as comparison items."""
        body = {"k": k, "reward_model_id": reward_model_id, "strategy": strategy, "create": create, **options}
        return self._http.json("POST", f"/projects/{project_id}/comparisons/next",
                               json={k_: v for k_, v in body.items() if v is not None}, retry=not create)


def _copy(response: httpx.Response, out: IO[bytes], total: int | None, progress: Progress | None) -> int:
    done = 0
    if progress:
        progress(0, total)
    for chunk in response.iter_bytes(CHUNK):
        out.write(chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    return done

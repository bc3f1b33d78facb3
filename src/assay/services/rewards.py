"""Reward models trained on a project's preferences, scoring, and the next pairs to judge (active learning)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.db.models import Item, Job, Project
from assay.db.models import RewardModel as RewardModelRow
from assay.errors import InvalidInput, NotFound
from assay.formats import Record
from assay.jobs import JobContext, enqueue
from assay.rewards import (
    PreferencePairs,
    RewardModel,
    acquisition_scores,
    expected_information,
    get_encoder,
    minilm_path,
    select_pairs,
    train_reward_model,
    vote_disagreement,
)
from assay.rewards.encoders import MINILM
from assay.security.policies import Actor, ProjectPolicy
from assay.services import audit, items
from assay.services.leaderboards import iter_judgments, model_name, pairwise_question, prompt_text

MAX_SCORE = 1000
JOB_KIND = "train_reward_model"


def preference_pairs(*, session: Session, project: Project, question: str | None = None) -> PreferencePairs:
    """Chosen/rejected pairs from the project's judgments; ties and "both bad" are not pairs."""
    name = pairwise_question(session=session, project=project, question=question)
    prompts, chosen, rejected, groups = [], [], [], []
    for j in iter_judgments(session=session, project=project, question=name):
        if j.choice not in ("A", "B"):
            continue
        better, worse = (j.response_a, j.response_b) if j.choice == "A" else (j.response_b, j.response_a)
        prompts.append(j.prompt)
        chosen.append(better)
        rejected.append(worse)
        groups.append(j.item_id)
    return PreferencePairs(prompts, chosen, rejected, groups)


def default_encoder_name() -> str:
    """all-MiniLM-L6-v2 where installed, else the hashing encoder."""
    return MINILM if minilm_path() is not None else "hashing"


def train(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    name: str | None = None,
    encoder: str | None = None,
    l2: float = 1.0,
    holdout: float = 0.2,
    seed: int = 0,
    question: str | None = None,
) -> RewardModelRow:
    """Train a reward model on the project's preferences, store it with its held-out metrics."""
    ProjectPolicy.manage(actor)
    row = _train_row(
        session=session, project=project, user_id=actor.user_id, name=name, encoder=encoder, l2=l2,
        holdout=holdout, seed=seed, question=question,
    )  # fmt: skip
    audit.record(
        session,
        actor=actor,
        action="reward_model.train",
        object_type="reward_model",
        object_id=row.id,
        details={
            "project_id": project.id,
            "pairs": row.n_pairs,
            "accuracy": row.metrics["heldout"]["accuracy"],
        },
    )
    session.commit()
    return row


def start_training(*, session: Session, actor: Actor, project: Project, params: dict[str, Any]) -> Job:
    """Queue reward-model training as a background job (for projects too large to train within a request)."""
    ProjectPolicy.manage(actor)
    pairwise_question(session=session, project=project, question=params.get("question"))
    return enqueue(session=session, actor=actor, project=project, kind=JOB_KIND, params=params)


def run_training_job(ctx: JobContext) -> dict[str, Any]:
    """Job handler: train as ``train`` does, on behalf of the job's creator; the result names the model."""
    ctx.progress(0, 1)
    with Session(ctx.engine, expire_on_commit=False) as session:
        project = session.get(Project, ctx.project_id)
        if project is None:
            raise NotFound(f"project {ctx.project_id} not found")
        row = _train_row(session=session, project=project, user_id=ctx.created_by, **ctx.params)
        audit.record(
            session,
            actor=None,
            org_id=project.org_id,
            action="reward_model.train",
            object_type="reward_model",
            object_id=row.id,
            details={"project_id": project.id, "pairs": row.n_pairs, "job_id": ctx.job_id},
        )
        session.commit()
    ctx.progress(1, 1)
    return {"reward_model_id": row.id, "n_pairs": row.n_pairs, "heldout": row.metrics["heldout"]}


def _train_row(
    *,
    session: Session,
    project: Project,
    user_id: int | None,
    name: str | None = None,
    encoder: str | None = None,
    l2: float = 1.0,
    holdout: float = 0.2,
    seed: int = 0,
    question: str | None = None,
) -> RewardModelRow:
    pairs = preference_pairs(session=session, project=project, question=question)
    model, metrics = train_reward_model(
        pairs, get_encoder(encoder or default_encoder_name()), l2=l2, holdout=holdout, seed=seed
    )
    row = RewardModelRow(
        org_id=project.org_id,
        project_id=project.id,
        name=name or f"reward model {len(pairs)} pairs",
        method="embedding-bt",
        encoder=model.encoder.name,
        n_pairs=len(pairs),
        metrics=metrics,
        artefact=model.to_dict(),
        created_by=user_id,
    )
    session.add(row)
    session.flush()
    return row


def list_reward_models(*, session: Session, actor: Actor, project: Project) -> list[RewardModelRow]:
    """The project's reward models, newest first."""
    ProjectPolicy.monitor(actor)
    return list(
        session.scalars(
            select(RewardModelRow)
            .where(RewardModelRow.project_id == project.id)
            .order_by(RewardModelRow.id.desc())
        )
    )


def get_reward_model(
    *, session: Session, actor: Actor, project: Project, reward_model_id: int
) -> RewardModelRow:
    """One reward model of the project (NotFound otherwise)."""
    ProjectPolicy.monitor(actor)
    row = session.scalar(
        select(RewardModelRow).where(
            RewardModelRow.id == reward_model_id, RewardModelRow.project_id == project.id
        )
    )
    if row is None:
        raise NotFound(f"reward model {reward_model_id} not found")
    return row


def load(row: RewardModelRow) -> RewardModel:
    """The trained model of a stored row."""
    return RewardModel.from_dict(row.artefact)


def score(*, row: RewardModelRow, prompts: list[str], responses: list[str]) -> list[float]:
    """Rewards of responses to prompts under a stored model."""
    if len(prompts) != len(responses):
        raise InvalidInput("prompts and responses must have the same length")
    return [float(r) for r in load(row).score(prompts, responses)]


@dataclass
class _Response:
    content: str
    side: dict[str, Any]


@dataclass
class _Prompt:
    payload: dict[str, Any]
    meta: dict[str, Any]
    responses: dict[str, _Response] = field(default_factory=dict)


def _pool(session: Session, project: Project) -> dict[str, _Prompt]:
    """Every distinct response per prompt text, across the project's comparison items."""
    prompts: dict[str, _Prompt] = {}
    for payload, meta in session.execute(
        select(Item.payload, Item.meta).where(Item.project_id == project.id).order_by(Item.id)
    ):
        sides = (meta or {}).get("comparison") or {}
        responses = payload.get("responses") if isinstance(payload, dict) else None
        if not isinstance(responses, list):
            continue
        text = prompt_text(payload)
        entry = prompts.setdefault(
            text,
            _Prompt(
                {k: v for k, v in payload.items() if k != "responses"},
                {k: v for k, v in (meta or {}).items() if k in ("category",)},
            ),
        )
        for index, label in ((0, "A"), (1, "B")):
            if index >= len(responses):
                continue
            content = (
                responses[index].get("content") if isinstance(responses[index], dict) else responses[index]
            )
            if isinstance(content, str) and model_name(sides.get(label)) is not None:
                entry.responses.setdefault(content, _Response(content, dict(sides[label])))
    return prompts


def next_comparisons(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    reward_model: RewardModelRow | None = None,
    k: int = 10,
    strategy: str = "uncertainty",
    disagreement_weight: float = 0.5,
    per_prompt: int | None = 1,
    create: bool = False,
    seed: int = 0,
    question: str | None = None,
) -> dict[str, Any]:
    """The ``k`` pairs of responses (to one prompt) most worth a human judgment next; with ``create``,
    added to the project as new comparison items (A/B order shuffled) that the queue then hands out."""
    ProjectPolicy.manage(actor)
    if strategy not in ("uncertainty", "information", "disagreement"):
        raise InvalidInput("strategy must be 'uncertainty', 'information' or 'disagreement'")
    name = pairwise_question(session=session, project=project, question=question)
    pool = _pool(session, project)
    votes: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for j in iter_judgments(session=session, project=project, question=name):
        first, second = sorted((j.response_a, j.response_b))
        tally = votes[(j.prompt, first, second)]
        winner = {"A": j.response_a, "B": j.response_b}.get(j.choice)
        tally[2 if winner is None else (0 if winner == first else 1)] += 1
    candidates = [
        (text, a, b)
        for text, entry in pool.items()
        for a, b in itertools.combinations(sorted(entry.responses), 2)
        if entry.responses[a].side.get("model") is not None
    ]
    if not candidates:
        raise InvalidInput("no prompt has two different responses to compare", details=[{"loc": ["items"]}])
    tallies = np.array([votes.get(c, [0.0, 0.0, 0.0]) for c in candidates])
    disagreement = vote_disagreement(tallies[:, 0], tallies[:, 1], tallies[:, 2])
    prompts = [c[0] for c in candidates]
    if reward_model is not None:
        model = load(reward_model)
        differences = model.features(prompts, [c[1] for c in candidates]) - model.features(
            prompts, [c[2] for c in candidates]
        )
        proba = model.head.predict_proba(differences)  # type: ignore[union-attr]
        information = None
        if strategy == "information":
            judged = preference_pairs(session=session, project=project, question=name)
            seen = model.features(judged.prompts, judged.chosen) - model.features(
                judged.prompts, judged.rejected
            )
            covariance = model.head.posterior_covariance(seen)  # type: ignore[union-attr]
            information = expected_information(differences, covariance, proba)
    else:
        proba, information = np.full(len(candidates), 0.5), None
    weight = 1.0 if strategy == "disagreement" else disagreement_weight
    scores = acquisition_scores(
        proba, information=information, disagreement=disagreement, disagreement_weight=weight
    )
    prompt_index = {text: i for i, text in enumerate(pool)}
    groups = np.array([prompt_index[p] for p in prompts])
    chosen = select_pairs(scores, k, groups=groups, per_group=per_prompt, seed=seed)
    rng = np.random.default_rng(seed)
    batch = []
    for index in chosen:
        text, a, b = candidates[index]
        if rng.random() < 0.5:
            a, b = b, a
        entry = pool[text]
        batch.append(
            {
                "prompt": text,
                "A": {"content": a, **entry.responses[a].side},
                "B": {"content": b, **entry.responses[b].side},
                "p_a": float(proba[index] if a == candidates[index][1] else 1 - proba[index]),
                "disagreement": float(disagreement[index]),
                "votes": int(tallies[index].sum()),
                "score": float(scores[index]),
            }
        )
    created = 0
    if create and batch:
        records = [
            Record(
                line=i + 1,
                data={
                    "data": {
                        **pool[b["prompt"]].payload,
                        "responses": [{"content": b["A"]["content"]}, {"content": b["B"]["content"]}],
                    },
                    "meta": {
                        **pool[b["prompt"]].meta,
                        "comparison": {
                            side: {k: v for k, v in b[side].items() if k != "content"} for side in ("A", "B")
                        },
                        "active": {"strategy": strategy, "score": b["score"]},
                    },
                },
            )
            for i, b in enumerate(batch)
        ]
        created = items.import_records(
            session=session, actor=actor, project=project, records=records, source="active"
        ).created
    return {"strategy": strategy, "candidates": len(candidates), "pairs": batch, "created": created}

"""Consensus for every question kind through the real app: stored per item, in the quality summary, in exports,
and in the review queue (spans NER, relations, rankings, rubric, safety flags, free text, demonstrations)."""

from __future__ import annotations

import math

import orjson

from tests.api.test_quality import get, items_by_text

NER_SCHEMA = {
    "inputs": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "entities", "kind": "spans", "source": "text", "labels": ["PER", "ORG"]},
        {"name": "links", "kind": "relations", "spans": "entities", "labels": ["works_for"]},
        {"name": "note", "kind": "free_text"},
    ],
}
LLM_SCHEMA = {
    "inputs": [
        {"name": "text", "type": "text"},
        {"name": "messages", "type": "conversation"},
        {"name": "responses", "type": "responses"},
    ],
    "questions": [
        {"name": "order", "kind": "response_ranking"},
        {"name": "grade", "kind": "rubric", "criteria": ["helpful", "honest"], "min": 1, "max": 5},
        {"name": "safety", "kind": "safety_flags", "required": False},
        {"name": "ideal", "kind": "demonstration", "required": False},
        {"name": "stars", "kind": "rating", "min": 1, "max": 5, "required": False},
        {
            "name": "tiers",
            "kind": "ranking",
            "options": ["x", "y", "z"],
            "allow_ties": True,
            "required": False,
        },
    ],
}
TEXT = "Ada works at Acme in London."  # Ada 0..3, Acme 13..17, London 21..27


def label(client, pid, member, answer):
    """``member`` labels what the queue gives them; ``answer(payload)`` is the value."""
    url = f"/api/v1/projects/{pid}/tasks"
    task = client.post(f"{url}/next", headers=member.headers).json()["task"]
    while task:
        response = client.post(
            f"{url}/{task['lease_id']}/submit",
            json={"value": answer(task["item"]["payload"]), "next": True},
            headers=member.headers,
        )
        assert response.status_code == 200, response.text
        task = response.json()["task"]


def span(start, end, tag):
    return {"start": start, "end": end, "label": tag}


def ner_project(org, client, **settings):
    """Three annotators on two texts. On "ada", two mark Ada PER + Acme ORG linked; one marks Ada only."""
    pid = org.project(label_schema=NER_SCHEMA, overlap=3, **settings)["id"]
    org.add_items(pid, [{"text": TEXT}, {"text": "Nothing here."}])
    full = {
        "entities": [span(0, 3, "PER"), span(13, 17, "ORG")],
        "links": [{"from": 0, "to": 1, "label": "works_for"}],
    }
    people = [org.member() for _ in range(3)]
    label(
        client,
        pid,
        people[0],
        lambda p: {**full, "note": "Ada, Acme"} if p["text"] == TEXT else {"entities": []},
    )
    label(client, pid, people[1], lambda p: full if p["text"] == TEXT else {"entities": []})
    label(
        client,
        pid,
        people[2],
        lambda p: (
            {"entities": [span(0, 3, "PER"), span(21, 27, "ORG")], "note": "Ada and London"}
            if p["text"] == TEXT
            else {"entities": [span(0, 7, "ORG")]}
        ),
    )
    return pid, people


def test_ner_spans_relations_and_free_text_get_consensus_figures_and_exports(org, client):
    pid, people = ner_project(org, client)
    summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
    entities = summary["questions"]["entities"]
    assert entities["method"] == "span_vote" and entities["items"] == 2 and entities["labels"] == 6
    # Pairwise exact span F1 on "ada": (1 + 1/2 + 1/2) / 3; on the empty text: (1 + 0 + 0) / 3.
    assert math.isclose(entities["f1"], ((1 + 0.5 + 0.5) / 3 + 1 / 3) / 2)
    # By characters: Ada (3) + Acme (4) against Ada + London (6) share 3 of 7 + 9.
    assert math.isclose(entities["overlap_f1"], ((1 + 0.375 + 0.375) / 3 + 1 / 3) / 2)
    assert entities["fleiss_kappa"] is None  # a class measure; spans have F1
    assert summary["questions"]["links"]["method"] == "relation_vote"
    assert summary["questions"]["note"]["method"] == "medoid"
    ids = items_by_text(client, org, pid)
    ada = get(client, f"/api/v1/projects/{pid}/items/{ids[TEXT]}/consensus", org.owner)
    assert [(s["label"], s["text"], s["support"]) for s in ada["entities"]["value"]] == [
        ("PER", "Ada", 3),
        ("ORG", "Acme", 2),
    ]
    assert 0 < ada["entities"]["confidence"] < 1 and ada["entities"]["n_labels"] == 3
    assert ada["links"]["value"] == [
        {"from": span(0, 3, "PER"), "to": span(13, 17, "ORG"), "label": "works_for", "support": 2}
    ]
    assert ada["note"]["method"] == "medoid" and ada["note"]["value"] in ("Ada, Acme", "Ada and London")
    empty = get(client, f"/api/v1/projects/{pid}/items/{ids['Nothing here.']}/consensus", org.owner)
    assert empty["entities"]["value"] == []  # one stray span of three answers is not kept
    # Annotators: agreement = whole answer equal to consensus; skill = their mean F1 against it.
    rows = {r["user_id"]: r for r in get(client, f"/api/v1/projects/{pid}/quality/annotators", org.owner)}
    assert rows[people[1].user_id]["questions"]["entities"]["agreement"]["correct"] == 2
    assert rows[people[2].user_id]["questions"]["entities"]["agreement"]["correct"] == 0
    assert rows[people[1].user_id]["questions"]["entities"]["skill"] == 1.0
    assert "note" not in rows[people[0].user_id]["questions"]  # free text has no right answer
    # Exports carry the same consensus.
    lines = client.get(f"/api/v1/projects/{pid}/export", headers=org.owner.headers).content.splitlines()
    exported = {row["payload"]["text"]: row["consensus"] for row in map(orjson.loads, lines)}
    assert exported[TEXT]["entities"]["value"] == ada["entities"]["value"]
    assert set(exported[TEXT]) == {"entities", "links", "note"}


def test_review_queue_finds_span_disagreements_and_ignores_free_text_likeness(org, client):
    pid, people = ner_project(org, client)
    reviewer = org.member("reviewer")
    disagreed = get(client, f"/api/v1/projects/{pid}/review/queue", reviewer, kind="disagreed", limit=50)
    found = {(t["annotation"]["user_id"], t["reason"]) for t in disagreed}
    assert (people[2].user_id, "differs from consensus on entities, links") in found
    assert all("note" not in reason for _, reason in found)
    low = get(client, f"/api/v1/projects/{pid}/review/queue", reviewer, kind="low_confidence", below=0.9)
    assert {t["annotation"]["item_id"] for t in low} == set(items_by_text(client, org, pid).values())
    worst = get(client, f"/api/v1/projects/{pid}/quality/disagreements", reviewer)
    votes = {w["item_id"]: w["votes"] for w in worst}
    ada = items_by_text(client, org, pid)[TEXT]
    assert votes[ada]["entities"] == {"PER[0:3], ORG[13:17]": 2, "PER[0:3], ORG[21:27]": 1}
    # A reviewer's correction becomes the consensus, in the stored form of the kind.
    answer = next(
        t["annotation"]
        for t in disagreed
        if t["annotation"]["user_id"] == people[2].user_id and t["annotation"]["item_id"] == ada
    )
    fixed = client.post(
        f"/api/v1/projects/{pid}/annotations/{answer['id']}/review",
        json={"verdict": "correct", "value": {"entities": [span(0, 3, "PER")]}},
        headers=reviewer.headers,
    )
    assert fixed.status_code == 201, fixed.text
    after = get(client, f"/api/v1/projects/{pid}/items/{answer['item_id']}/consensus", org.owner)
    assert after["entities"]["method"] == "review"
    assert after["entities"]["value"] == [{"start": 0, "end": 3, "label": "PER", "text": "Ada"}]


def llm_item(prompt):
    return {
        "text": prompt,
        "messages": [{"role": "user", "content": prompt}],
        "responses": [{"content": "one"}, {"content": "two"}, {"content": "three"}],
    }


def test_llm_kinds_rankings_rubrics_flags_and_demonstrations(org, client):
    pid = org.project(label_schema=LLM_SCHEMA, overlap=3, aggregation="dawid_skene")["id"]
    org.add_items(pid, [llm_item("first"), llm_item("second")])
    answers = [
        {
            "order": [2, 0, 1],
            "grade": {"helpful": 4, "honest": {"score": 5, "comment": "fine"}},
            "safety": {"flags": ["violence"], "severity": "high"},
            "ideal": "Paris is the capital of France.",
            "stars": 1,
            "tiers": [["x"], ["y", "z"]],
        },
        {
            "order": [2, 1, 0],
            "grade": {"helpful": 4, "honest": 5},
            "safety": {"flags": ["violence"], "severity": "medium"},
            "ideal": {"content": "The capital of France is Paris."},
            "stars": 4,
            "tiers": [["x"], ["z"], ["y"]],
        },
        {
            "order": [2, 0, 1],
            "grade": {"helpful": 2, "honest": 5},
            "safety": {"flags": []},
            "ideal": "Lyon.",
            "stars": 5,
            "tiers": [["y"], ["x", "z"]],
        },
    ]
    for answer in answers:
        label(client, pid, org.member(), lambda p, answer=answer: answer)
    summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
    questions = summary["questions"]
    assert questions["order"]["method"] == "mean_rank" and -1 <= questions["order"]["kendall_tau"] <= 1
    assert set(questions["grade"]["criteria"]) == {"helpful", "honest"}
    assert questions["ideal"]["method"] == "medoid" and 0 < questions["ideal"]["text_similarity"] < 1
    assert "krippendorff_alpha_interval" in questions["stars"]
    assert "NaN" not in orjson.dumps(summary).decode() and "Infinity" not in orjson.dumps(summary).decode()
    item = items_by_text(client, org, pid)["first"]
    found = get(client, f"/api/v1/projects/{pid}/items/{item}/consensus", org.owner)
    assert found["order"]["value"] == [2, 0, 1] and 0 < found["order"]["confidence"] < 1
    assert found["grade"]["value"] == {"helpful": 4, "honest": 5}
    assert found["safety"]["value"] == {"flags": ["violence"], "severity": "medium"}  # median of high, medium
    assert found["ideal"]["value"]["content"] in answers[0]["ideal"] + answers[1]["ideal"]["content"]
    assert found["stars"]["value"] == 4  # 1, 4 and 5 once each: the median
    assert found["tiers"]["value"] == [["x"], ["y"], ["z"]]  # rank sums 1.5, 3.5 and 4
    for value in found.values():
        assert 0 <= value["confidence"] <= 1
    # The CLI/SDK summary model reads the new figures.
    from assay.api.schemas.quality import QualitySummary

    parsed = QualitySummary.model_validate(summary)
    assert parsed.questions["grade"].criteria["honest"].items == 2


def test_empty_single_annotator_and_out_of_schema_answers_never_crash(org, client):
    pid = org.project(label_schema=NER_SCHEMA, overlap=1)["id"]
    summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
    assert summary["questions"]["entities"] == {**summary["questions"]["entities"], "items": 0, "labels": 0}
    org.add_items(pid, [{"text": TEXT}])
    full = {
        "entities": [span(0, 3, "PER"), span(13, 17, "ORG")],
        "links": [{"from": 0, "to": 1, "label": "works_for"}],
        "note": "x",
    }
    label(client, pid, org.member(), lambda p: full)
    item = items_by_text(client, org, pid)[TEXT]
    before = get(client, f"/api/v1/projects/{pid}/items/{item}/consensus", org.owner)
    assert set(before) == {"entities", "links", "note"} and before["entities"]["confidence"] == 1.0
    # The schema loses the ORG label: that span no longer counts; PER still does.
    narrower = {
        **NER_SCHEMA,
        "questions": [
            {"name": "entities", "kind": "spans", "source": "text", "labels": ["PER"]},
            {"name": "note", "kind": "free_text"},
        ],
    }
    assert (
        client.patch(
            f"/api/v1/projects/{pid}", json={"label_schema": narrower}, headers=org.owner.headers
        ).status_code
        == 200
    )
    summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
    assert "links" not in summary["questions"] and summary["questions"]["entities"]["f1"] is None
    found = get(client, f"/api/v1/projects/{pid}/items/{item}/consensus", org.owner)
    assert set(found) == {"entities", "note"}  # the links row of the older schema is gone
    assert [s["label"] for s in found["entities"]["value"]] == ["PER"] and found["entities"][
        "confidence"
    ] == 1.0

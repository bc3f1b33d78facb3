"""Quality in projects: settings, gold answers (import and API), consensus refresh, figures, exports."""

from __future__ import annotations

import io

import orjson
import pyarrow.parquet as pq

from assay.quality import AGGREGATORS, wilson_interval

CHOICE_SCHEMA = {
    "inputs": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "sentiment", "kind": "single_choice", "options": ["positive", "negative", "neutral"]},
        {"name": "topics", "kind": "multi_choice", "options": ["price", "service"], "required": False},
        {"name": "stars", "kind": "rating", "min": 1, "max": 5, "required": False},
    ],
}


def label(client, pid, member, answers):
    """``member`` labels every item the queue gives them; ``answers(item_text)`` says what they answer."""
    url = f"/api/v1/projects/{pid}/tasks"
    task = client.post(f"{url}/next", headers=member.headers).json()["task"]
    count = 0
    while task:
        response = client.post(
            f"{url}/{task['lease_id']}/submit",
            json={"value": answers(task["item"]["payload"]["text"]), "next": True},
            headers=member.headers,
        )
        assert response.status_code == 200, response.text
        task = response.json()["task"]
        count += 1
    return count


def items_by_text(client, org, pid):
    rows = client.get(f"/api/v1/projects/{pid}/items?limit=1000", headers=org.owner.headers).json()["items"]
    return {row["payload"]["text"]: row["id"] for row in rows}


def get(client, url, member, **params):
    response = client.get(url, headers=member.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def crowd(org, client, *, overlap=3, n=4, method="majority_vote", **settings):
    """A project with ``n`` items labeled by three annotators: two always say the truth, one is contrary
    on item 0 and item 1. Truth: items "t0".."t{n-1}", even -> positive, odd -> negative."""
    project = org.project(label_schema=CHOICE_SCHEMA, overlap=overlap, aggregation=method, **settings)
    pid = project["id"]
    org.add_items(pid, [{"text": f"t{i}"} for i in range(n)])
    truth = {f"t{i}": "positive" if i % 2 == 0 else "negative" for i in range(n)}
    good = [org.member(), org.member()]
    odd = org.member()
    for person in good:
        label(client, pid, person, lambda t: {"sentiment": truth[t], "stars": 4})
    flipped = {"positive": "negative", "negative": "positive"}
    label(
        client,
        pid,
        odd,
        lambda t: {"sentiment": flipped[truth[t]] if t in ("t0", "t1") else truth[t], "stars": 4},
    )
    return pid, truth, good, odd


def test_quality_settings_through_project_create_and_update(org, client):
    project = org.project(
        label_schema=CHOICE_SCHEMA,
        gold_rate=0.1,
        qualification_size=5,
        qualification_pass=0.7,
        pause_below=0.6,
        pause_min_gold=8,
        aggregation="dawid_skene",
        confidence_threshold=0.9,
        overlap=2,
        max_overlap=5,
        review_rate=0.05,
    )
    assert {k: project[k] for k in ("gold_rate", "qualification_size", "aggregation", "max_overlap")} == {
        "gold_rate": 0.1,
        "qualification_size": 5,
        "aggregation": "dawid_skene",
        "max_overlap": 5,
    }
    url = f"/api/v1/projects/{project['id']}"
    changed = client.patch(url, json={"pause_below": None, "aggregation": "glad"}, headers=org.owner.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["pause_below"] is None and changed.json()["aggregation"] == "glad"
    assert changed.json()["confidence_threshold"] == 0.9  # untouched
    bad = client.patch(url, json={"aggregation": "magic"}, headers=org.owner.headers)
    assert bad.status_code == 422
    bad = client.patch(url, json={"max_overlap": 1}, headers=org.owner.headers)
    assert bad.status_code == 422 and "max_overlap" in bad.json()["error"]["message"]
    bad = client.patch(url, json={"gold_rate": 1.5}, headers=org.owner.headers)
    assert bad.status_code == 422
    # Every aggregator in the library can be chosen.
    for name in AGGREGATORS:
        assert client.patch(url, json={"aggregation": name}, headers=org.owner.headers).status_code == 200


def test_gold_import_column_and_per_line_schema_errors(org, client):
    pid = org.project(label_schema=CHOICE_SCHEMA)["id"]
    body = b"\n".join(
        orjson.dumps(row)
        for row in (
            {"text": "fine", "gold": {"sentiment": "positive"}},
            {"text": "bad option", "gold": {"sentiment": "great"}},
            {"text": "unknown question", "gold": {"mood": "x"}},
            {"text": "not an object", "gold": 5},
        )
    )
    response = client.post(
        f"/api/v1/projects/{pid}/items/import",
        content=body,
        params={"format": "jsonl"},
        headers=org.owner.headers,
    )
    assert response.status_code == 422
    errors = response.json()["error"]["details"]["errors"]
    by_line = {e["line"]: e for e in errors}
    assert set(by_line) == {2, 3, 4}
    assert by_line[2]["field"] == "gold.sentiment" and "'great' is not one of" in by_line[2]["msg"]
    assert by_line[3]["field"] == "gold.mood"
    assert by_line[4]["field"] == "gold"
    assert get(client, f"/api/v1/projects/{pid}/items", org.owner)["items"] == []

    ok = client.post(
        f"/api/v1/projects/{pid}/items/import",
        content=body.splitlines()[0],
        params={"format": "jsonl"},
        headers=org.owner.headers,
    )
    assert ok.status_code == 201, ok.text
    csv = "text,gold.sentiment\nfrom csv,negative\nplain,\n"
    ok = client.post(
        f"/api/v1/projects/{pid}/items/import",
        content=csv,
        params={"format": "csv"},
        headers=org.owner.headers,
    )
    assert ok.status_code == 201, ok.text
    gold = get(client, f"/api/v1/projects/{pid}/gold", org.owner)
    ids = items_by_text(client, org, pid)
    assert {(g["item_id"], g["value"]["sentiment"]) for g in gold} == {
        (ids["fine"], "positive"),
        (ids["from csv"], "negative"),
    }


def test_set_and_clear_gold_through_the_api(org, client):
    pid = org.project(label_schema=CHOICE_SCHEMA)["id"]
    org.add_items(pid, [{"text": "a"}, {"text": "b"}])
    ids = items_by_text(client, org, pid)
    url = f"/api/v1/projects/{pid}/items/{ids['a']}/gold"
    bad = client.put(url, json={"value": {"sentiment": "meh"}}, headers=org.owner.headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "schema_error"
    assert bad.json()["error"]["details"][0]["loc"] == ["gold", "sentiment"]
    assert client.put(url, json={"value": {}}, headers=org.owner.headers).status_code == 422
    manager = org.member("manager")
    done = client.put(
        url, json={"value": {"sentiment": "neutral", "topics": ["service", "price"]}}, headers=manager.headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["value"] == {"sentiment": "neutral", "topics": ["price", "service"]}  # normal form
    for role in ("annotator", "reviewer"):
        person = org.member(role)
        assert (
            client.put(url, json={"value": {"sentiment": "neutral"}}, headers=person.headers).status_code
            == 403
        )
        assert client.get(f"/api/v1/projects/{pid}/gold", headers=person.headers).status_code == 403
        assert client.delete(url, headers=person.headers).status_code == 403
    # A gold item is not handed out as regular work.
    annotator = org.member()
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers).json()["task"]
    assert task["item"]["id"] == ids["b"]
    assert client.delete(url, headers=manager.headers).status_code == 204
    assert client.delete(url, headers=manager.headers).status_code == 404
    assert get(client, f"/api/v1/projects/{pid}/gold", org.owner) == []
    other = org.member()
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=other.headers).json()["task"]
    assert task["item"]["id"] == ids["a"]  # back in the pool
    missing = client.put(
        f"/api/v1/projects/{pid}/items/999999999/gold",
        json={"value": {"sentiment": "neutral"}},
        headers=org.owner.headers,
    )
    assert missing.status_code == 404


def _gold_keys(data):
    """Keys anywhere in a JSON document that would say "this is gold" (project settings aside)."""
    if isinstance(data, dict):
        found = {k for k in data if "gold" in k.lower() and k not in ("gold_rate", "pause_min_gold")}
        return found.union(*(_gold_keys(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_gold_keys(v) for v in data))
    return set()


def test_gold_never_leaks_to_items_exports_tasks_or_reviews(org, client):
    project = org.project(label_schema=CHOICE_SCHEMA, overlap=2)
    pid = project["id"]
    org.add_items(pid, [{"text": "secret", "gold": {"sentiment": "neutral"}}, {"text": "plain"}])
    ids = items_by_text(client, org, pid)
    annotator, reviewer = org.member(), org.member("reviewer")
    responses = [
        client.post(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers),
        client.get(f"/api/v1/projects/{pid}", headers=annotator.headers),
        client.get(f"/api/v1/projects/{pid}/quality/me", headers=annotator.headers),
        client.get(f"/api/v1/projects/{pid}/reviews", headers=annotator.headers),
        client.get(f"/api/v1/projects/{pid}/items", headers=reviewer.headers),
        client.get(f"/api/v1/projects/{pid}/items/{ids['secret']}", headers=reviewer.headers),
        client.get(f"/api/v1/projects/{pid}/export", headers=org.owner.headers),
        client.get(
            f"/api/v1/projects/{pid}/review/queue", params={"kind": "random"}, headers=reviewer.headers
        ),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        assert '"sentiment":"neutral"' not in response.text.replace(" ", ""), response.request.url
        for line in response.text.splitlines():
            assert not _gold_keys(orjson.loads(line)), response.request.url
    # Annotators cannot reach the items, gold, or quality figures at all.
    for path in ("items", f"items/{ids['secret']}", "gold", "quality", "quality/annotators", "export"):
        assert client.get(f"/api/v1/projects/{pid}/{path}", headers=annotator.headers).status_code == 403
    parquet = client.get(
        f"/api/v1/projects/{pid}/export", params={"format": "parquet"}, headers=org.owner.headers
    )
    table = pq.read_table(io.BytesIO(parquet.content))
    assert "gold" not in " ".join(table.column_names) and "neutral" not in str(table.to_pylist())


def test_consensus_refresh_figures_and_incremental_staleness(org, client):
    pid, truth, good, odd = crowd(org, client)
    owner = org.owner
    summary = get(client, f"/api/v1/projects/{pid}/quality", owner)
    assert (
        summary["method"] == "majority_vote" and summary["annotations"] == 12 and summary["annotators"] == 3
    )
    sentiment = summary["questions"]["sentiment"]
    assert sentiment["items"] == 4 and sentiment["labels"] == 12
    assert abs(sentiment["percent_agreement"] - (1 / 3 + 1 / 3 + 1 + 1) / 4) < 1e-9
    assert sentiment["fleiss_kappa"] is not None and -1 <= sentiment["fleiss_kappa"] <= 1
    assert summary["questions"]["topics"]["labels"] == 0  # nobody answered it; defined, not NaN
    ids = items_by_text(client, org, pid)
    for text, item_id in ids.items():
        consensus = get(client, f"/api/v1/projects/{pid}/items/{item_id}/consensus", owner)
        assert consensus["sentiment"]["value"] == truth[text]
        assert consensus["sentiment"]["method"] == "majority_vote" and consensus["sentiment"]["n_labels"] == 3
        expected = 2 / 3 if text in ("t0", "t1") else 1.0
        assert abs(consensus["sentiment"]["confidence"] - expected) < 1e-9
        assert consensus["stars"]["value"] == 4
    # Nothing changed: no recompute. A new label makes it stale; the next read recomputes.
    again = client.post(f"/api/v1/projects/{pid}/quality/refresh", headers=owner.headers).json()
    assert again["recomputed"] is False
    org.add_items(pid, [{"text": "t9"}])
    newcomer = org.member()
    label(client, pid, newcomer, lambda t: {"sentiment": "neutral"})
    assert get(client, f"/api/v1/projects/{pid}/quality", owner)["annotations"] == 13
    forced = client.post(
        f"/api/v1/projects/{pid}/quality/refresh", params={"force": True}, headers=owner.headers
    )
    assert forced.json()["recomputed"] is True


def test_annotator_accuracy_confusion_and_disagreements(org, client):
    pid, truth, good, odd = crowd(org, client)
    ids = items_by_text(client, org, pid)
    # t2 becomes gold after labeling: everyone answered it right; t0 gold says the contrary one was right.
    assert (
        client.put(
            f"/api/v1/projects/{pid}/items/{ids['t2']}/gold",
            json={"value": {"sentiment": "positive"}},
            headers=org.owner.headers,
        ).status_code
        == 200
    )
    assert (
        client.put(
            f"/api/v1/projects/{pid}/items/{ids['t0']}/gold",
            json={"value": {"sentiment": "negative"}},
            headers=org.owner.headers,
        ).status_code
        == 200
    )
    rows = {r["user_id"]: r for r in get(client, f"/api/v1/projects/{pid}/quality/annotators", org.owner)}
    assert set(rows) == {good[0].user_id, good[1].user_id, odd.user_id}
    contrary = rows[odd.user_id]
    assert contrary["status"] == "active" and contrary["email"] == odd.email
    # Agreement with consensus, micro-averaged over sentiment and stars answers.
    sentiment = contrary["questions"]["sentiment"]
    assert sentiment["agreement"]["count"] == 4 and sentiment["agreement"]["correct"] == 2
    assert contrary["gold"]["count"] == 2 and contrary["gold"]["correct"] == 2
    assert rows[good[0].user_id]["gold"]["correct"] == 1
    low, high = wilson_interval(1, 2)
    assert abs(rows[good[0].user_id]["gold"]["low"] - low) < 1e-9
    assert abs(rows[good[0].user_id]["gold"]["high"] - high) < 1e-9
    assert rows[good[0].user_id]["review"]["accuracy"] is None  # no reviews yet: null, not NaN

    pooled = get(client, f"/api/v1/projects/{pid}/quality/confusion", org.owner, question="sentiment")
    assert pooled["classes"] == ["positive", "negative", "neutral"]
    assert sum(map(sum, pooled["matrix"])) == 12
    assert pooled["matrix"][0][1] == 1 and pooled["matrix"][1][0] == 1  # the two contrary answers
    mine = get(
        client,
        f"/api/v1/projects/{pid}/quality/confusion",
        org.owner,
        question="sentiment",
        user_id=odd.user_id,
    )
    assert mine["matrix"] == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert (
        client.get(
            f"/api/v1/projects/{pid}/quality/confusion",
            params={"question": "topics"},
            headers=org.owner.headers,
        ).status_code
        == 422
    )

    worst = get(client, f"/api/v1/projects/{pid}/quality/disagreements", org.owner, limit=2)
    assert {w["item_id"] for w in worst} == {ids["t0"], ids["t1"]}
    assert worst[0]["votes"]["sentiment"] in ({"positive": 2, "negative": 1}, {"negative": 2, "positive": 1})
    reviewer = org.member("reviewer")
    assert (
        client.get(f"/api/v1/projects/{pid}/quality/annotators", headers=reviewer.headers).status_code == 200
    )


def test_every_method_gives_finite_results(org, client):
    for method in AGGREGATORS:
        pid, truth, _, _ = crowd(org, client, method=method)
        summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
        assert summary["method"] == method
        ids = items_by_text(client, org, pid)
        for item_id in ids.values():
            consensus = get(client, f"/api/v1/projects/{pid}/items/{item_id}/consensus", org.owner)
            assert 0 <= consensus["sentiment"]["confidence"] <= 1
        rows = get(client, f"/api/v1/projects/{pid}/quality/annotators", org.owner)
        assert "NaN" not in str(rows)


def test_empty_project_and_single_annotator_are_defined(org, client):
    pid = org.project(label_schema=CHOICE_SCHEMA, aggregation="dawid_skene")["id"]
    summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
    assert summary["annotations"] == 0 and summary["questions"]["sentiment"]["labels"] == 0
    assert get(client, f"/api/v1/projects/{pid}/quality/annotators", org.owner) == []
    assert get(client, f"/api/v1/projects/{pid}/quality/disagreements", org.owner) == []
    empty = get(client, f"/api/v1/projects/{pid}/quality/confusion", org.owner)
    assert empty["question"] == "sentiment" and empty["matrix"] == [[0] * 3] * 3
    org.add_items(pid, [{"text": "only"}])
    label(client, pid, org.member(), lambda t: {"sentiment": "neutral", "topics": ["price"]})
    summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
    sentiment = summary["questions"]["sentiment"]
    assert sentiment["items"] == 1 and sentiment["percent_agreement"] is None  # needs two labels; not NaN
    item_id = items_by_text(client, org, pid)["only"]
    consensus = get(client, f"/api/v1/projects/{pid}/items/{item_id}/consensus", org.owner)
    assert consensus["sentiment"]["value"] == "neutral" and consensus["topics"]["value"] == ["price"]
    assert 0 <= consensus["topics"]["confidence"] <= 1


def test_labels_outside_the_current_schema_are_left_out(org, client):
    pid = org.project(label_schema=CHOICE_SCHEMA, overlap=1)["id"]
    org.add_items(pid, [{"text": "x"}, {"text": "y"}])
    label(client, pid, org.member(), lambda t: {"sentiment": "neutral"})
    narrower = {
        **CHOICE_SCHEMA,
        "questions": [{"name": "sentiment", "kind": "single_choice", "options": ["positive", "negative"]}],
    }
    assert (
        client.patch(
            f"/api/v1/projects/{pid}", json={"label_schema": narrower}, headers=org.owner.headers
        ).status_code
        == 200
    )
    summary = get(client, f"/api/v1/projects/{pid}/quality", org.owner)
    assert summary["questions"]["sentiment"]["labels"] == 0 and summary["annotations"] == 2


def test_exports_carry_consensus_and_confidence(org, client):
    pid, truth, _, _ = crowd(org, client)
    rows = [
        orjson.loads(line)
        for line in client.get(
            f"/api/v1/projects/{pid}/export", headers=org.owner.headers
        ).content.splitlines()
    ]
    assert len(rows) == 4
    for row in rows:
        sentiment = row["consensus"]["sentiment"]
        assert sentiment["value"] == truth[row["payload"]["text"]] and 0 < sentiment["confidence"] <= 1
    parquet = client.get(
        f"/api/v1/projects/{pid}/export", params={"format": "parquet"}, headers=org.owner.headers
    )
    table = pq.read_table(io.BytesIO(parquet.content))
    assert "consensus" in table.column_names
    first = orjson.loads(table.column("consensus")[0].as_py())
    assert set(first) == {"sentiment", "stars"}


def test_quality_figures_need_reviewer_and_stay_inside_the_org(org, client):
    pid, *_ = crowd(org, client, n=2)
    annotator = org.member()
    for path in (
        "quality",
        "quality/annotators",
        "quality/confusion",
        "quality/disagreements",
        "quality/states",
    ):
        assert client.get(f"/api/v1/projects/{pid}/{path}", headers=annotator.headers).status_code == 403
    assert (
        client.post(f"/api/v1/projects/{pid}/quality/refresh", headers=annotator.headers).status_code == 403
    )
    from tests.factories import OrgWorld

    stranger = OrgWorld.create(org.engine, client, name="elsewhere-" + str(pid)).owner
    assert client.get(f"/api/v1/projects/{pid}/quality", headers=stranger.headers).status_code == 404

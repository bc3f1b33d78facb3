"""Comparison items from model responses: the payload/meta contract, seeded randomness, blind tasks."""

from __future__ import annotations

import orjson

from tests.api.llm_fixtures import CHAT_SCHEMA, COMPARISON_SCHEMA, chat

MODELS = ["alpha-model", "beta-model", "gamma-model"]


def _prompts_with_responses(org, client, n=4, models=MODELS):
    src = org.project(label_schema=CHAT_SCHEMA)["id"]
    rows = [chat(f"prompt {i}", assistant="reference") for i in range(n)]
    rows = [{"data": row, "meta": {"category": "math" if i % 2 else "code"}} for i, row in enumerate(rows)]
    org.add_items(src, rows)
    items = client.get(f"/api/v1/projects/{src}/items", headers=org.owner.headers).json()["items"]
    body = {
        "responses": [
            {
                "item_id": item["id"],
                "model": model,
                "model_version": "v1",
                "content": f"answer {k} to {item['id']}",
            }
            for item in items
            for k, model in enumerate(models)
        ]
    }
    assert (
        client.post(f"/api/v1/projects/{src}/responses", json=body, headers=org.owner.headers).status_code
        == 201
    )
    return src, items


def _make(client, org, target, src, **body):
    return client.post(
        f"/api/v1/projects/{target}/comparisons",
        headers=org.owner.headers,
        json={"source_project_id": src, "models": MODELS[:2], **body},
    )


def test_comparison_items_follow_the_contract(org, client):
    src, prompts = _prompts_with_responses(org, client)
    target = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    report = _make(client, org, target, src, seed=7)
    assert report.status_code == 201, report.text
    assert report.json()["created"] == 4
    items = client.get(f"/api/v1/projects/{target}/items", headers=org.owner.headers).json()["items"]
    responses = {
        r["id"]: r
        for r in client.get(
            f"/api/v1/projects/{src}/responses", params={"limit": 500}, headers=org.owner.headers
        ).json()["items"]
    }
    sides = set()
    for item, prompt in zip(items, prompts, strict=True):
        payload, meta = item["payload"], item["meta"]
        assert set(payload) == {"messages", "responses"}
        assert payload["messages"] == [
            {"role": "user", "content": prompt["payload"]["messages"][0]["content"]}
        ]
        assert set(meta) == {"comparison", "category"} and meta["category"] == prompt["meta"]["category"]
        for index, side in enumerate(("A", "B")):
            ref = meta["comparison"][side]
            assert set(ref) == {"model", "version", "response_id"} and ref["version"] == "v1"
            response = responses[ref["response_id"]]
            assert response["model"] == ref["model"] and payload["responses"][index] == {
                "content": response["content"]
            }
            assert response["item_id"] == prompt["id"]
        sides.add(meta["comparison"]["A"]["model"])
        assert item["source"] == "comparison"
    assert sides == set(MODELS[:2])  # both orders occur: the position is randomised


def test_same_seed_same_items_and_rerun_adds_nothing(org, client):
    src, _ = _prompts_with_responses(org, client, n=6)
    one, two = (org.project(label_schema=COMPARISON_SCHEMA)["id"] for _ in range(2))
    _make(client, org, one, src, seed=3, models=MODELS, pairs_per_prompt=2)
    _make(client, org, two, src, seed=3, models=MODELS, pairs_per_prompt=2)

    def payloads(pid):
        return [
            i["payload"]
            for i in client.get(
                f"/api/v1/projects/{pid}/items", params={"limit": 100}, headers=org.owner.headers
            ).json()["items"]
        ]

    assert payloads(one) == payloads(two) and len(payloads(one)) == 12
    again = _make(client, org, one, src, seed=3, models=MODELS, pairs_per_prompt=2).json()
    assert again["created"] == 0 and again["duplicates"] == 12


def test_all_pairs_and_prompts_missing_a_model_are_skipped(org, client):
    src, prompts = _prompts_with_responses(org, client, n=2)
    extra = org.add_items(src, [chat("only one model answered")])
    target = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    report = _make(client, org, target, src, models=MODELS, all_pairs=True).json()
    assert report["created"] == 2 * 3 and extra["created"] == 1


def test_versions_select_responses(org, client):
    src, _ = _prompts_with_responses(org, client, n=1, models=["m"])
    items = client.get(f"/api/v1/projects/{src}/items", headers=org.owner.headers).json()["items"]
    client.post(
        f"/api/v1/projects/{src}/responses",
        headers=org.owner.headers,
        json={
            "responses": [
                {"item_id": items[0]["id"], "model": "m", "model_version": "v2", "content": "newer"}
            ]
        },
    )
    target = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    report = client.post(
        f"/api/v1/projects/{target}/comparisons",
        headers=org.owner.headers,
        json={"source_project_id": src, "models": ["m@v1", "m@v2"]},
    )
    assert report.json()["created"] == 1
    meta = client.get(f"/api/v1/projects/{target}/items", headers=org.owner.headers).json()["items"][0][
        "meta"
    ]
    assert {meta["comparison"]["A"]["version"], meta["comparison"]["B"]["version"]} == {"v1", "v2"}
    bad = client.post(
        f"/api/v1/projects/{target}/comparisons",
        headers=org.owner.headers,
        json={"source_project_id": src, "models": ["m@v1", "m@v1"]},
    )
    assert bad.status_code == 422


def test_annotators_never_see_model_names_in_tasks(org, client):
    src, _ = _prompts_with_responses(org, client, n=3)
    target = org.project(label_schema=COMPARISON_SCHEMA, overlap=1)["id"]
    _make(client, org, target, src)
    annotator = org.member("annotator")
    seen = 0
    task = client.post(f"/api/v1/projects/{target}/tasks/next", headers=annotator.headers).json()["task"]
    while task:
        text = orjson.dumps(task).decode()
        assert (
            not any(model in text for model in MODELS)
            and "response_id" not in text
            and "meta" not in task["item"]
        )
        seen += 1
        task = client.post(
            f"/api/v1/projects/{target}/tasks/{task['lease_id']}/submit",
            headers=annotator.headers,
            json={"value": {"preference": {"choice": "both_bad"}}, "next": True},
        ).json()["task"]
    assert seen == 3
    # annotators cannot browse items (where meta lives) either
    assert client.get(f"/api/v1/projects/{target}/items", headers=annotator.headers).status_code == 403


def test_only_managers_make_comparisons_and_sources_stay_in_the_org(org, client, engine):
    from tests.factories import OrgWorld

    src, _ = _prompts_with_responses(org, client, n=1)
    target = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    reviewer = org.member("reviewer")
    assert (
        client.post(
            f"/api/v1/projects/{target}/comparisons",
            headers=reviewer.headers,
            json={"source_project_id": src, "models": MODELS[:2]},
        ).status_code
        == 403
    )
    other = OrgWorld.create(engine, client, name=f"cmp-other-{target}")
    mine = other.project(label_schema=COMPARISON_SCHEMA)["id"]
    assert (
        client.post(
            f"/api/v1/projects/{mine}/comparisons",
            headers=other.owner.headers,
            json={"source_project_id": src, "models": MODELS[:2]},
        ).status_code
        == 404
    )

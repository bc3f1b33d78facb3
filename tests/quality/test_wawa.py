import numpy as np

from assay.quality import Labels, MajorityVote, Wawa


def test_skills_are_agreement_with_majority_vote() -> None:
    rows = [("t1", "w1", "a"), ("t1", "w2", "a"), ("t1", "w3", "b"), ("t2", "w1", "b"), ("t2", "w2", "b")]
    model = Wawa().fit(Labels.from_rows(rows))
    assert model.skills_.to_dict() == {"w1": 1.0, "w2": 1.0, "w3": 0.0}
    assert model.labels_.to_dict() == {"t1": "a", "t2": "b"}


def test_wawa_is_at_least_as_good_as_majority_vote_on_a_spammy_crowd(spammy_crowd) -> None:
    truth = spammy_crowd.truth
    wawa = (Wawa().fit(spammy_crowd.labels).label_index_ == truth).mean()
    majority = (MajorityVote().fit(spammy_crowd.labels).label_index_ == truth).mean()
    assert wawa >= majority
    skills = Wawa().fit(spammy_crowd.labels).skills_array_
    assert np.mean(skills[spammy_crowd.kind == "good"]) > np.mean(skills[spammy_crowd.kind == "spammer"])

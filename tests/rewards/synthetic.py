"""Synthetic preference data with a learnable signal: a helpful on-topic answer beats an evasive one."""

from __future__ import annotations

import numpy as np

from assay.rewards import PreferencePairs

TOPICS = [
    ("How do I boil an egg?", "Put the egg in boiling water for nine minutes, then cool it in cold water."),
    ("What is the capital of France?", "The capital of France is Paris, on the river Seine."),
    (
        "How do plants make food?",
        "Plants use photosynthesis: sunlight, water and CO2 become sugar and oxygen.",
    ),
    (
        "How can I sort a list in Python?",
        "Call sorted(my_list) for a new list or my_list.sort() to sort in place.",
    ),
    ("Why is the sky blue?", "Air scatters short blue wavelengths of sunlight more than red ones."),
    ("How do I reset my router?", "Hold the reset button for ten seconds until the lights blink, then wait."),
    ("What causes tides?", "The Moon's gravity pulls the oceans, raising tides twice a day."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    (
        "How do vaccines work?",
        "Vaccines train the immune system to recognise a germ without causing disease.",
    ),
    ("What is a prime number?", "A prime number has exactly two divisors: one and itself, like 7 or 13."),
    ("How do I make tea?", "Pour hot water over a tea bag, steep for three minutes, then remove the bag."),
    ("What is the speed of light?", "Light travels at about 300,000 kilometres per second in a vacuum."),
    (
        "How do I tie a tie?",
        "Cross the wide end over, loop it around, pull it through the neck loop and tighten.",
    ),
    ("What is inflation?", "Inflation is the rise of prices over time, so money buys less."),
    ("How do bees make honey?", "Bees collect nectar, store it in combs and fan it until water evaporates."),
    ("Who wrote Hamlet?", "Hamlet was written by William Shakespeare around 1600."),
]
EVASIVE = [
    "I don't know.",
    "I cannot help with that.",
    "That is a question. Maybe ask someone else.",
    "Sorry, no idea, whatever.",
    "Please search the internet yourself.",
]


def synthetic_pairs(n: int = 64, seed: int = 0, *, noise: float = 0.0) -> PreferencePairs:
    """``n`` pairs: the helpful answer is chosen (with probability ``1 - noise``) over an evasive one."""
    rng = np.random.default_rng(seed)
    prompts, chosen, rejected, groups = [], [], [], []
    for i in range(n):
        prompt, good = TOPICS[i % len(TOPICS)]
        bad = EVASIVE[rng.integers(len(EVASIVE))]
        if rng.random() < noise:
            good, bad = bad, good
        prompts.append(prompt)
        chosen.append(good)
        rejected.append(bad)
        groups.append(i)
    return PreferencePairs(prompts, chosen, rejected, groups)

"""Label quality: truth inference (aggregation), agreement, gold scoring, spam and label-error detection.

Pure numpy/scipy on integer-coded labels (:class:`Labels`); every aggregator also accepts crowd-kit's long
``task, worker, label`` frame. No I/O, no database.
"""

from assay.quality._base import Aggregator
from assay.quality.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement
from assay.quality.boxes import BoxConsensus, box_consensus, box_f1
from assay.quality.dawid_skene import DawidSkene
from assay.quality.glad import GLAD
from assay.quality.gold import gold_accuracy, wilson_interval
from assay.quality.label_errors import (
    confident_joint,
    confident_thresholds,
    find_label_issues,
    rank_label_issues,
    self_confidence,
)
from assay.quality.labels import Labels, as_labels
from assay.quality.mace import MACE
from assay.quality.majority_vote import MajorityVote
from assay.quality.multilabel import BinaryRelevance
from assay.quality.one_coin_dawid_skene import OneCoinDawidSkene
from assay.quality.registry import AGGREGATORS, make_aggregator
from assay.quality.spam import constant_answer_rate, spam_report, spammer_score
from assay.quality.spans import ConsensusSpan, pairwise_span_f1, span_consensus, span_f1
from assay.quality.wawa import Wawa
from assay.quality.weighted_majority_vote import WeightedMajorityVote

__all__ = [
    "AGGREGATORS",
    "GLAD",
    "MACE",
    "Aggregator",
    "BinaryRelevance",
    "BoxConsensus",
    "ConsensusSpan",
    "DawidSkene",
    "Labels",
    "MajorityVote",
    "OneCoinDawidSkene",
    "Wawa",
    "WeightedMajorityVote",
    "as_labels",
    "box_consensus",
    "box_f1",
    "cohen_kappa",
    "confident_joint",
    "confident_thresholds",
    "constant_answer_rate",
    "find_label_issues",
    "fleiss_kappa",
    "gold_accuracy",
    "krippendorff_alpha",
    "make_aggregator",
    "pairwise_span_f1",
    "percent_agreement",
    "rank_label_issues",
    "self_confidence",
    "spam_report",
    "span_consensus",
    "span_f1",
    "spammer_score",
    "wilson_interval",
]

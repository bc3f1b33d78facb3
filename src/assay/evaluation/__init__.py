"""Model evaluation from pairwise battles: Bradley-Terry ratings, style control, leaderboards, contamination.

Pure numpy/scipy/pandas, no I/O. Start from ``Battles`` (arena logs or crowd-kit pairwise frames), fit
``BradleyTerry`` (or ``StyleControl`` for style-adjusted ratings), publish with ``leaderboard``; check the
private prompts against training exports with ``find_contamination``.
"""

from assay.evaluation._base import ELO_SCALE, ConvergenceWarning, RatingModel
from assay.evaluation._pairs import observed_win_rate
from assay.evaluation.battles import Battles, BattlesLike, as_battles
from assay.evaluation.bradley_terry import BradleyTerry
from assay.evaluation.contamination import (
    exact_duplicates,
    find_contamination,
    near_duplicates,
    normalize_text,
)
from assay.evaluation.leaderboard import category_leaderboard, ci_rank, leaderboard, to_csv, to_json
from assay.evaluation.style import StyleControl, style_differences

__all__ = [
    "ELO_SCALE",
    "Battles",
    "BattlesLike",
    "BradleyTerry",
    "ConvergenceWarning",
    "RatingModel",
    "StyleControl",
    "as_battles",
    "category_leaderboard",
    "ci_rank",
    "exact_duplicates",
    "find_contamination",
    "leaderboard",
    "near_duplicates",
    "normalize_text",
    "observed_win_rate",
    "style_differences",
    "to_csv",
    "to_json",
]

"""Result types: the REST API's own response models, under the names an SDK user thinks in."""

from __future__ import annotations

from assay.api.schemas.items import AnnotationPublic as Annotation
from assay.api.schemas.items import ImportReportPublic as ImportReport
from assay.api.schemas.items import ItemDetail
from assay.api.schemas.items import ItemPublic as Item
from assay.api.schemas.items import SubmitResponse as SubmitResult
from assay.api.schemas.items import TaskPublic as Task
from assay.api.schemas.llm import ComparisonsReport
from assay.api.schemas.llm import JobPublic as Job
from assay.api.schemas.llm import ResponsePublic as ModelResponse
from assay.api.schemas.orgs import AuditEventPublic as AuditEvent
from assay.api.schemas.orgs import MemberCreated, TokenCreated
from assay.api.schemas.orgs import MemberPublic as Member
from assay.api.schemas.orgs import MePublic as Me
from assay.api.schemas.orgs import OrgPublic as Org
from assay.api.schemas.orgs import TokenPublic as Token
from assay.api.schemas.projects import AnnotatorStatsPublic as AnnotatorStats
from assay.api.schemas.projects import ProgressPublic as Progress
from assay.api.schemas.projects import ProjectPublic as Project
from assay.api.schemas.projects import SchemaVersionPublic as SchemaVersion
from assay.api.schemas.quality import (
    AnnotatorQuality,
    ConsensusValue,
    Disagreement,
    QualitySummary,
    RefreshResult,
)
from assay.api.schemas.quality import AnnotatorStatePublic as AnnotatorState
from assay.api.schemas.quality import ConfusionPublic as Confusion
from assay.api.schemas.quality import GoldPublic as Gold
from assay.api.schemas.quality import ReviewPublic as Review
from assay.api.schemas.quality import ReviewTaskPublic as ReviewTask
from assay.api.schemas.rewards import RewardModelPublic as RewardModel

__all__ = [
    "Annotation", "AnnotatorStats", "AuditEvent", "ImportReport", "Item", "ItemDetail", "Me", "Member",
    "MemberCreated", "Org", "Progress", "Project", "RewardModel", "SchemaVersion", "SubmitResult", "Task", "Token",
    "TokenCreated", "ComparisonsReport", "Job", "ModelResponse",
]
__all__ += [
    "AnnotatorQuality", "AnnotatorState", "Confusion", "ConsensusValue", "Disagreement", "Gold", "QualitySummary",
    "RefreshResult", "Review", "ReviewTask",
]

"""Result types: the REST API's own response models, under the names an SDK user thinks in."""

from __future__ import annotations

from assay.api.schemas.items import AnnotationPublic as Annotation
from assay.api.schemas.items import ImportReportPublic as ImportReport
from assay.api.schemas.items import ItemDetail
from assay.api.schemas.items import ItemPublic as Item
from assay.api.schemas.items import SubmitResponse as SubmitResult
from assay.api.schemas.items import TaskPublic as Task
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

__all__ = [
    "Annotation", "AnnotatorStats", "AuditEvent", "ImportReport", "Item", "ItemDetail", "Me", "Member",
    "MemberCreated", "Org", "Progress", "Project", "SchemaVersion", "SubmitResult", "Task", "Token",
    "TokenCreated",
]

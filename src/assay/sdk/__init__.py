"""Python SDK for an assay server: ``Client`` with typed methods over the REST API, and its errors.

>>> from assay.sdk import Client                                   # doctest: +SKIP
>>> client = Client("http://127.0.0.1:8000", token="assay_...")    # doctest: +SKIP
>>> for item in client.items(project_id=1):                        # doctest: +SKIP
...     print(item.payload)
"""

from assay.sdk._client import Client
from assay.sdk._errors import (
    ApiError,
    BadRequest,
    Conflict,
    ConnectionFailed,
    ImportRejected,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ServerError,
    Unauthenticated,
)
from assay.sdk._models import (
    Annotation,
    AnnotatorStats,
    AuditEvent,
    ComparisonsReport,
    ImportReport,
    Item,
    ItemDetail,
    Job,
    Me,
    Member,
    MemberCreated,
    ModelResponse,
    Org,
    Progress,
    Project,
    SchemaVersion,
    SubmitResult,
    Task,
    Token,
    TokenCreated,
)

__all__ = [
    "ComparisonsReport",
    "Job",
    "ModelResponse",
    "Annotation",
    "AnnotatorStats",
    "ApiError",
    "AuditEvent",
    "BadRequest",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "ImportRejected",
    "ImportReport",
    "InvalidInput",
    "Item",
    "ItemDetail",
    "Me",
    "Member",
    "MemberCreated",
    "NotFound",
    "Org",
    "PayloadTooLarge",
    "PermissionDenied",
    "Progress",
    "Project",
    "SchemaVersion",
    "ServerError",
    "SubmitResult",
    "Task",
    "Token",
    "TokenCreated",
    "Unauthenticated",
]

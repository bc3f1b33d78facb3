"""Model backends that the generate job calls, and the guard on the URLs it may call."""

from assay.backends.guard import allowed_hosts, check_backend_url
from assay.backends.openai import BackendError, Completion, OpenAICompatible, chat_url

__all__ = ["BackendError", "Completion", "OpenAICompatible", "allowed_hosts", "chat_url", "check_backend_url"]

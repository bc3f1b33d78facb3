"""Model backends that the generate job calls (HTTP or a local model), and the guards on what they may reach."""

from assay.backends.guard import allowed_hosts, check_backend_url
from assay.backends.hf import LocalHF, check_model_path
from assay.backends.openai import BackendError, Completion, OpenAICompatible, chat_url

__all__ = [
    "BackendError",
    "Completion",
    "LocalHF",
    "OpenAICompatible",
    "allowed_hosts",
    "chat_url",
    "check_backend_url",
    "check_model_path",
]

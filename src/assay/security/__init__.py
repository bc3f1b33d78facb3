"""Password hashing, tokens, roles and policies, URL and path guards."""

from assay.security.passwords import hash_password, verify_password
from assay.security.roles import ROLES, Role, role_at_least
from assay.security.tokens import hash_token, new_token

__all__ = ["ROLES", "Role", "hash_password", "hash_token", "new_token", "role_at_least", "verify_password"]

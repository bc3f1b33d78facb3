"""Which model-backend URLs the server may call: no private, link-local or loopback targets by default.

A manager configures the backend URL of a generate job, so the server must not become a way to reach
internal services (cloud metadata at 169.254.169.254, databases on 10.x, the server's own loopback).
The rule, checked when a job is created and again before its first call:

1. the scheme is ``http`` or ``https`` and the URL carries no ``user:password@``;
2. a host the operator lists in ``ASSAY_BACKEND_ALLOW_HOSTS`` (``host`` or ``host:port``) is allowed,
   whatever it resolves to: this is how an internal vLLM or Ollama server is enabled;
3. otherwise every address the host resolves to must be public: loopback only with
   ``ASSAY_BACKEND_ALLOW_LOOPBACK`` or in dev mode; private, link-local, multicast, reserved and
   unspecified addresses (IPv4-mapped IPv6 included) are refused.

Redirects are never followed by the backend client, so a public host cannot bounce a call inward. A
host that changes its DNS answer between the check and the call (rebinding) is not caught; list internal
backends explicitly and keep the server's egress firewalled where that matters.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from assay.errors import InvalidInput

Resolver = Callable[[str, int], Iterable[str]]


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        why = f"backend host {host!r} does not resolve: {error}"
        raise InvalidInput(why, details=[{"loc": ["base_url"], "msg": why}]) from None
    return [str(info[4][0]) for info in infos]


def _refuse(url: str, why: str) -> InvalidInput:
    return InvalidInput(f"backend URL {url!r} refused: {why}", details=[{"loc": ["base_url"], "msg": why}])


def check_backend_url(
    url: str,
    *,
    allow_hosts: Iterable[str] = (),
    allow_loopback: bool = False,
    resolve: Resolver | None = None,
) -> None:
    """Raise InvalidInput unless the server may call ``url`` (rules in the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise _refuse(url, "only http and https backends are supported")
    if parts.username or parts.password:
        raise _refuse(url, "credentials in the URL are not allowed; use an API key")
    host = (parts.hostname or "").lower()
    if not host:
        raise _refuse(url, "the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _refuse(url, "the port is not a number") from None
    allowed = {entry.strip().lower() for entry in allow_hosts if entry.strip()}
    if host in allowed or f"{host}:{port}" in allowed:
        return
    for address in (resolve or _resolve)(host, port):
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            if allow_loopback:
                continue
            raise _refuse(
                url,
                f"{host} is a loopback address ({ip}); allowed only in dev mode or with "
                "ASSAY_BACKEND_ALLOW_LOOPBACK",
            )
        if ip.is_link_local or ip.is_private or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
            raise _refuse(
                url,
                f"{host} resolves to a non-public address ({ip}); an operator may allow it "
                "in ASSAY_BACKEND_ALLOW_HOSTS",
            )


def allowed_hosts(setting: str) -> list[str]:
    """The operator's allow-list from its comma-separated setting."""
    return [entry.strip() for entry in setting.split(",") if entry.strip()]

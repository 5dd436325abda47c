"""Where a webhook may go: the URL's host resolved, every address it maps to checked.

An address is spelled many ways (`127.1`, `2130706433`, `0x7f000001`, `0`, `::ffff:127.0.0.1`), so
nothing here reads a host by hand: the system resolver (`socket.getaddrinfo`, which applies
`inet_aton`'s rules to numeric forms) turns every spelling and every name into addresses, the same
way a connection would, and `ipaddress` classifies each. Delivery then connects to one of the
addresses that were checked, never to the name again (no DNS-rebinding window).

Refused unless allowed: loopback (`--allow-loopback-webhooks`), and private, link-local, multicast,
unspecified, reserved or otherwise non-global addresses (`--webhook-allow CIDR`). The messages are
those of praisonai 4.7.19 (`praisonai/jobs/models.py:20-70`), which screens the same way.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["Screened", "WebhookPolicy", "screen"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1"})  # refused by name (models.py:17)


@dataclass(frozen=True)
class WebhookPolicy:
    allow_loopback: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, allow_loopback: bool = False, networks: Iterable[str] = ()) -> WebhookPolicy:
        return cls(allow_loopback, tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    def permits(self, ip: IPAddress) -> bool:
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        if mapped is not None and self.permits(mapped):
            return True
        if any(ip in network for network in self.allowed if network.version == ip.version):
            return True
        return self.allow_loopback and ip.is_loopback


@dataclass(frozen=True)
class Screened:
    """A verdict: `refusal` (why not), or the checked `addresses` to connect to."""

    refusal: str | None = None
    host: str = ""
    port: int = 0
    addresses: tuple[str, ...] = field(default=())


def _restricted(ip: IPAddress) -> bool:
    embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None) \
        if isinstance(ip, ipaddress.IPv6Address) else None
    if embedded is not None and _restricted(embedded):
        return True
    return (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


def screen(url: str, policy: WebhookPolicy, label: str = "Webhook URL") -> Screened:
    """Resolve `url`'s host (blocking: call it off the event loop where that matters)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return Screened(f"{label} must use http or https scheme")
    try:
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Screened(f"Invalid {label}")
    if not host:
        return Screened(f"Invalid {label}")
    by_name_ok = policy.allow_loopback or bool(policy.allowed)
    if host.lower() in _LOCAL_NAMES and not by_name_ok:
        return Screened(f"{label} cannot be a localhost address")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        return Screened(f"{label} hostname could not be resolved")
    addresses: list[str] = []
    for _family, _type, _proto, _canonical, sockaddr in infos:
        text = str(sockaddr[0])
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        if _restricted(ip) and not policy.permits(ip):
            if ip.is_loopback and host.lower() in _LOCAL_NAMES:
                return Screened(f"{label} cannot be a localhost address")
            return Screened(f"{label} resolves to a private or restricted network address")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        return Screened(f"{label} hostname could not be resolved")
    return Screened(None, host, port, tuple(addresses))

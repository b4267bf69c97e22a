"""Where the crawler may go: one network policy, checked at submission and on every browser request.

Why: the crawler drives a real browser, with a team's logins, from inside the company network. Left
alone it would open the cloud metadata address (which hands out the machine's credentials), this
server's own Postgres or Redis, or anything a page links to. Private ranges stay allowed by default:
internal applications are what Planwright is for.

Order of the rules for each address a host resolves to (every address must pass):
1. this deployment's own Postgres, Redis and api (host and port) are always refused;
2. TARGETS_DENIED entries are refused;
3. a TARGETS_ALLOWED network lifts the default refusals below for its addresses;
4. by default refused: the metadata address, link-local, loopback (unless ALLOW_LOOPBACK_TARGETS),
   multicast and reserved addresses;
5. when TARGETS_ALLOWED is set, an address (or host name) it does not list is refused.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from planwright.settings import Settings, get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

HTTP_SCHEMES = {"http": 80, "https": 443, "ws": 80, "wss": 443}
METADATA = "the cloud metadata address (it hands out this machine's credentials)"
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"): METADATA,
    ipaddress.ip_address("fd00:ec2::254"): METADATA,
    ipaddress.ip_address("100.100.100.200"): METADATA + ", Alibaba Cloud",
}
LINK_LOCAL = [ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10")]
LOOPBACK = [
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
    ipaddress.ip_network("0.0.0.0/8"),  # 0.0.0.0 reaches this machine on Linux
    ipaddress.ip_network("::/128"),
]
DNS_CACHE_S = 5.0  # short: a name that changes address (DNS rebinding) is looked up again soon


@dataclass(frozen=True)
class Decision:
    """Whether a URL may be fetched; `reason` says why not, in words a person can act on."""

    url: str
    allowed: bool
    reason: str = ""
    addresses: tuple[str, ...] = ()
    unresolved: bool = False  # refused only because the host did not resolve here


@dataclass(frozen=True)
class PolicyEntry:
    """One TARGETS_ALLOWED / TARGETS_DENIED item: a network or a host-name pattern, optionally a port."""

    text: str
    network: IPNetwork | None = None
    host_pattern: str | None = None  # "intranet.corp" or "*.corp.example"
    port: int | None = None

    def matches_host(self, host: str, port: int) -> bool:
        return (
            self.host_pattern is not None
            and fnmatch.fnmatchcase(host, self.host_pattern)
            and self.port in (None, port)
        )

    def matches_address(self, address: IPAddress, port: int) -> bool:
        return self.network is not None and address in self.network and self.port in (None, port)


def parse_entry(text: str) -> PolicyEntry:
    """'10.0.0.0/8', '192.168.1.5:8080', '[fd00::1]:443', 'intranet.corp', '*.corp.example:443'."""
    item = text.strip().lower()
    host, port = item, None
    if item.startswith("["):
        close = item.index("]")
        host, rest = item[1:close], item[close + 1 :]
        if rest.startswith(":"):
            port = int(rest[1:])
    elif item.count(":") == 1:
        host, port_text = item.rsplit(":", 1)
        port = int(port_text)
    try:
        return PolicyEntry(text=text.strip(), network=ipaddress.ip_network(host, strict=False), port=port)
    except ValueError:
        return PolicyEntry(text=text.strip(), host_pattern=host.rstrip("."), port=port)


def parse_entries(text: str) -> tuple[PolicyEntry, ...]:
    """A comma- or space-separated list of entries; an entry that cannot be read is an error at start."""
    items = [item for item in text.replace(",", " ").split() if item]
    try:
        return tuple(parse_entry(item) for item in items)
    except ValueError as error:
        raise ValueError(f"network policy: cannot read {text!r} ({error})") from error


@dataclass(frozen=True)
class OwnService:
    """One of this deployment's own services, which no plan may point the crawler at."""

    name: str  # "Postgres (DATABASE_URL)"
    host: str
    port: int


def own_services(settings: Settings) -> list[OwnService]:
    """Postgres, Redis and the api, from the URLs this deployment itself uses."""
    services = []
    for name, url, default_port in (
        ("Postgres (DATABASE_URL)", settings.database_url, 5432),
        ("Redis (REDIS_URL)", settings.redis_url, 6379),
        ("api (API_URL)", settings.api_url, 8000),
    ):
        parts = urlsplit(url)
        if parts.hostname:
            try:
                port = parts.port or default_port
            except ValueError:
                port = default_port
            services.append(OwnService(name=name, host=parts.hostname.lower(), port=port))
    return services


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system's resolver gives for `host` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


def _unmapped(address: IPAddress) -> IPAddress:
    """::ffff:127.0.0.1 is 127.0.0.1: judge the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _default_refusal(address: IPAddress, allow_loopback: bool) -> str | None:
    if address in METADATA_ADDRESSES:
        return f"{address} is {METADATA_ADDRESSES[address]}"
    if any(address in network for network in LINK_LOCAL):
        return f"{address} is link-local (169.254.0.0/16, fe80::/10), where metadata and device services live"
    if any(address in network for network in LOOPBACK):
        if allow_loopback:
            return None
        return (
            f"{address} is loopback (this server itself); an operator can allow apps on this machine "
            "with ALLOW_LOOPBACK_TARGETS=true"
        )
    if address.is_multicast or address.is_reserved or address == ipaddress.ip_address("255.255.255.255"):
        return f"{address} is not a host address (multicast or reserved)"
    return None


@dataclass
class NetworkPolicy:
    """The deployment's policy; `check_url` is the one question everything asks it."""

    allowed: tuple[PolicyEntry, ...] = ()
    denied: tuple[PolicyEntry, ...] = ()
    allow_loopback: bool = False
    services: list[OwnService] = field(default_factory=list)
    resolver: Resolver = system_resolver
    _cache: dict[tuple[str, int], tuple[float, list[IPAddress]]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, resolver: Resolver | None = None
    ) -> NetworkPolicy:
        settings = settings or get_settings()
        return cls(
            allowed=parse_entries(settings.targets_allowed),
            denied=parse_entries(settings.targets_denied),
            allow_loopback=settings.allow_loopback_targets,
            services=own_services(settings),
            resolver=resolver or system_resolver,
        )

    # ------------------------------------------------------------ resolution

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """The host's addresses (an IP literal is its own), cached for a few seconds."""
        try:
            return [_unmapped(ipaddress.ip_address(host))]
        except ValueError:
            pass
        key, now = (host, port), time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < DNS_CACHE_S:
            return cached[1]
        addresses = [_unmapped(address) for address in self.resolver(host, port)]
        with self._lock:
            self._cache[key] = (now, addresses)
        return addresses

    def _service_addresses(self, service: OwnService) -> list[IPAddress]:
        try:
            return self.resolve(service.host, service.port)
        except (OSError, UnicodeError):
            return []  # e.g. "postgres" outside compose: it is matched by name only

    # ------------------------------------------------------------ the rules

    def _own_service(self, host: str, address: IPAddress, port: int) -> OwnService | None:
        on_loopback = any(address in network for network in LOOPBACK)
        for service in self.services:
            if service.port != port:
                continue
            if host == service.host:
                return service
            addresses = self._service_addresses(service)
            if address in addresses:
                return service
            # A service on loopback usually listens on every loopback address (and 0.0.0.0).
            if on_loopback and any(any(a in net for net in LOOPBACK) for a in addresses):
                return service
        return None

    def _address_refusal(self, host: str, address: IPAddress, port: int) -> str | None:
        service = self._own_service(host, address, port)
        if service is not None:
            return (
                f"{address}:{port} is this deployment's own {service.name}; the crawler never connects to it"
            )
        for entry in self.denied:
            if entry.matches_address(address, port):
                return f"{address} is in TARGETS_DENIED ({entry.text})"
        explicitly_allowed = any(entry.matches_address(address, port) for entry in self.allowed)
        if not explicitly_allowed:
            refusal = _default_refusal(address, self.allow_loopback)
            if refusal is not None:
                return refusal
        return None

    def check_url(self, url: str) -> Decision:
        """May the crawler's browser fetch `url`? Resolves the host and judges every address."""
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host = (parts.hostname or "").rstrip(".").lower()
            port = parts.port or HTTP_SCHEMES.get(scheme, 0)
        except ValueError as error:
            return Decision(url, False, f"{url[:200]!r} is not a URL that can be read ({error})")
        if scheme not in HTTP_SCHEMES:
            shown = f"{scheme}:" if scheme else "no scheme"
            return Decision(url, False, f"only http:// and https:// URLs are crawled, not {shown}")
        if not host:
            return Decision(url, False, "the URL names no host, e.g. https://app.example.com/")
        for entry in self.denied:
            if entry.matches_host(host, port):
                return Decision(url, False, f"{host} is in TARGETS_DENIED ({entry.text})")
        try:
            addresses = self.resolve(host, port)
        except (OSError, UnicodeError) as error:
            return Decision(
                url,
                False,
                f"{host} does not resolve from this server ({error}); check the host name",
                unresolved=True,
            )
        if not addresses:
            return Decision(url, False, f"{host} resolves to no address")
        host_allowed = any(entry.matches_host(host, port) for entry in self.allowed)
        resolved = tuple(str(address) for address in addresses)
        for address in addresses:
            refusal = self._address_refusal(host, address, port)
            if refusal is None and self.allowed and not host_allowed:
                if not any(entry.matches_address(address, port) for entry in self.allowed):
                    refusal = f"{host} ({address}) is not in TARGETS_ALLOWED"
            if refusal is not None:
                via = "" if _is_ip_literal(host) else f"{host} resolves to {address}: "
                return Decision(url, False, f"{via}{refusal}", resolved)
        return Decision(url, True, "", resolved)

    def refusal(self, url: str, *, allow_unresolved: bool = False) -> str | None:
        """'refused by the network policy: …' for a denied URL, None for an allowed one.

        `allow_unresolved` is for submission: the api may not share the crawler's DNS view, and the
        crawler's browser checks every request again, so a name unknown here is judged there."""
        decision = self.check_url(url)
        if decision.allowed or (allow_unresolved and decision.unresolved):
            return None
        return f"refused by the network policy: {decision.reason}"


_policy_lock = threading.Lock()
_policy: tuple[Settings, NetworkPolicy] | None = None


def current_policy() -> NetworkPolicy:
    """The policy of the current settings (rebuilt when get_settings() gives a new object)."""
    global _policy
    settings = get_settings()
    with _policy_lock:
        if _policy is None or _policy[0] is not settings:
            _policy = (settings, NetworkPolicy.from_settings(settings))
        return _policy[1]


def check_url(url: str) -> Decision:
    """The current deployment's decision on `url` (see NetworkPolicy.check_url)."""
    return current_policy().check_url(url)


def submission_refusals(
    urls: Iterable[tuple[str, str]], policy: NetworkPolicy | None = None
) -> list[dict[str, Any]]:
    """A submission's refused URLs as validation errors (loc, msg, type), so the API's 422, the web
    form and the command line word them like every other bad field. `urls` are (field, url) pairs."""
    policy = policy or current_policy()
    errors = []
    for what, url in urls:
        message = policy.refusal(url, allow_unresolved=True)
        if message is not None:
            errors.append({"loc": ("body", *what.split(".")), "msg": message, "type": "network_policy"})
    return errors

"""The network policy's decisions: schemes, built-in refusals, this deployment's own services, the
operator's allow and deny lists, and every address a name resolves to."""

from __future__ import annotations

import ipaddress

import pytest

from planwright.netpolicy import (
    IPAddress,
    NetworkPolicy,
    OwnService,
    own_services,
    parse_entries,
    parse_entry,
    submission_refusals,
)
from planwright.settings import Settings

# Names only these tests know; everything else goes to the system resolver (localhost, IP forms).
TEST_NAMES = {
    "intranet.corp.test": ["10.20.30.40"],
    "mixed.corp.test": ["10.20.30.41", "169.254.169.254"],
    "rebound.corp.test": ["::ffff:127.0.0.1"],
}


def test_resolver(host: str, port: int) -> list[IPAddress]:
    from planwright.netpolicy import system_resolver

    if host in TEST_NAMES:
        return [ipaddress.ip_address(address) for address in TEST_NAMES[host]]
    return system_resolver(host, port)


test_resolver.__test__ = False  # type: ignore[attr-defined]


def policy(**settings: object) -> NetworkPolicy:
    base: dict[str, object] = {
        "database_url": "postgresql+psycopg://postgres@127.0.0.1:5432/planwright",
        "redis_url": "redis://localhost:6379/0",
        "api_url": "http://127.0.0.1:8000",
        "allow_loopback_targets": False,  # the suite's environment allows loopback; these tests do not
        "targets_allowed": "",
        "targets_denied": "",
    }
    return NetworkPolicy.from_settings(Settings(**{**base, **settings}), resolver=test_resolver)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("file:///etc/passwd", "not file:"),
        ("javascript:alert(1)", "not javascript:"),
        ("data:text/html,<h1>x</h1>", "not data:"),
        ("ftp://files.corp.test/", "not ftp:"),
        ("//no-scheme.test/", "not no scheme"),
        ("http:///path-only", "names no host"),
    ],
)
def test_only_http_urls_with_a_host(url: str, words: str) -> None:
    decision = policy().check_url(url)
    assert not decision.allowed
    assert words in decision.reason


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/", "cloud metadata address"),
        ("http://2852039166/latest/", "169.254.169.254 is the cloud metadata address"),  # decimal form
        ("http://[::ffff:169.254.169.254]/", "cloud metadata address"),
        ("http://169.254.10.1/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://127.0.0.1:3000/", "ALLOW_LOOPBACK_TARGETS=true"),
        ("http://localhost:3000/", "loopback"),
        ("http://[::1]:3000/", "loopback"),
        ("http://0.0.0.0:3000/", "loopback"),
        ("http://224.0.0.1/", "not a host address"),
    ],
)
def test_built_in_refusals_say_why(url: str, words: str) -> None:
    decision = policy().check_url(url)
    assert not decision.allowed
    assert words in decision.reason


def test_private_ranges_are_allowed_by_default() -> None:
    """Internal applications are what Planwright is for."""
    for url in (
        "http://10.1.2.3/",
        "https://192.168.0.5:8443/app",
        "http://172.16.9.9/",
        "http://intranet.corp.test/",
    ):
        decision = policy().check_url(url)
        assert decision.allowed, decision.reason
    assert policy().check_url("http://intranet.corp.test/").addresses == ("10.20.30.40",)


def test_every_address_of_a_name_must_pass() -> None:
    decision = policy().check_url("http://mixed.corp.test/")
    assert not decision.allowed
    assert "mixed.corp.test resolves to 169.254.169.254" in decision.reason
    assert decision.addresses == ("10.20.30.41", "169.254.169.254")
    rebound = policy().check_url("http://rebound.corp.test/")
    assert not rebound.allowed and "127.0.0.1 is loopback" in rebound.reason


def test_loopback_only_by_the_explicit_setting() -> None:
    assert policy(allow_loopback_targets=True).check_url("http://127.0.0.1:3000/").allowed
    assert policy(allow_loopback_targets=True).check_url("http://localhost:3000/").allowed
    assert not policy(allow_loopback_targets=True).check_url("http://169.254.169.254/").allowed


@pytest.mark.parametrize(
    ("url", "service"),
    [
        ("http://127.0.0.1:5432/", "Postgres (DATABASE_URL)"),
        ("http://127.0.0.1:6379/", "Redis (REDIS_URL)"),  # REDIS_URL names localhost
        ("http://127.0.0.2:6379/", "Redis (REDIS_URL)"),  # any loopback address reaches it
        ("http://localhost:8000/docs", "api (API_URL)"),
    ],
)
def test_the_deployments_own_services_are_always_refused(url: str, service: str) -> None:
    loose = policy(allow_loopback_targets=True, targets_allowed="127.0.0.0/8")
    decision = loose.check_url(url)
    assert not decision.allowed
    assert f"this deployment's own {service}" in decision.reason
    assert loose.check_url("http://127.0.0.1:5433/").allowed  # another port is another app


def test_own_services_come_from_the_deployments_urls() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://planwright:pw@postgres:5432/planwright",
        redis_url="redis://redis/0",
        api_url="http://api:8000",
    )
    assert own_services(settings) == [
        OwnService("Postgres (DATABASE_URL)", "postgres", 5432),
        OwnService("Redis (REDIS_URL)", "redis", 6379),
        OwnService("api (API_URL)", "api", 8000),
    ]
    assert own_services(Settings(database_url="sqlite:////tmp/x.db", redis_url="", api_url="")) == []


def test_denied_entries_refuse_networks_hosts_and_ports() -> None:
    strict = policy(targets_denied="10.20.0.0/16, *.hr.corp.test 192.168.1.5:8080")
    assert "TARGETS_DENIED (10.20.0.0/16)" in strict.check_url("http://intranet.corp.test/").reason
    assert "TARGETS_DENIED (*.hr.corp.test)" in strict.check_url("http://pay.hr.corp.test/").reason
    assert not strict.check_url("http://192.168.1.5:8080/").allowed
    assert strict.check_url("http://192.168.1.5:9090/").allowed


def test_allowed_entries_make_an_allow_list() -> None:
    narrow = policy(targets_allowed="10.20.30.0/24,*.apps.corp.test")
    assert narrow.check_url("http://intranet.corp.test/").allowed
    refused = narrow.check_url("http://192.168.0.5/")
    assert not refused.allowed and "not in TARGETS_ALLOWED" in refused.reason
    # A name on the list still cannot reach what is refused by default.
    assert not policy(targets_allowed="*.corp.test").check_url("http://mixed.corp.test/").allowed


def test_an_allowed_network_lifts_the_default_refusal_for_its_addresses() -> None:
    lifted = policy(targets_allowed="127.0.0.1/32")
    assert lifted.check_url("http://127.0.0.1:3000/").allowed
    assert not lifted.check_url("http://127.0.0.1:5432/").allowed  # never the own Postgres


def test_entries_are_parsed_in_every_written_form() -> None:
    assert parse_entry("10.0.0.0/8").network == ipaddress.ip_network("10.0.0.0/8")
    assert parse_entry("192.168.1.5:8080").port == 8080
    entry = parse_entry("[fd00::1]:443")
    assert entry.network == ipaddress.ip_network("fd00::1/128") and entry.port == 443
    assert parse_entry("fe80::/10").network == ipaddress.ip_network("fe80::/10")
    assert parse_entry("*.Corp.Example:443").host_pattern == "*.corp.example"
    with pytest.raises(ValueError, match="network policy: cannot read"):
        parse_entries("10.0.0.0/8, host:notaport")


def test_a_name_that_does_not_resolve_is_refused_in_the_browser_but_not_at_submission() -> None:
    """The api may not share the crawler's DNS view; the browser's check is the one that counts."""
    decision = policy().check_url("http://no-such-host.invalid/")
    assert not decision.allowed and decision.unresolved
    assert "does not resolve" in decision.reason
    errors = submission_refusals(
        [("url", "http://no-such-host.invalid/"), ("auth.login.url", "http://169.254.169.254/login")],
        policy(),
    )
    assert errors == [
        {
            "loc": ("body", "auth", "login", "url"),
            "msg": "refused by the network policy: 169.254.169.254 is the cloud metadata address "
            "(it hands out this machine's credentials)",
            "type": "network_policy",
        }
    ]

"""Cross-site request refusal: a form post (or any unsafe request) a browser sends from another site.

Why: with keys not required, keyless requests act as team 1, so any page a staff member opens could
post the plan form and start a crawl of an internal URL (a SameSite cookie does not help when no
cookie is needed). Browsers send `Origin` on every POST (and `Referer` otherwise), so the check is
strict: an unsafe request whose Origin, or failing that Referer, names another host than the one it
was sent to is refused with 403; `Origin: null` (a sandboxed frame, a redirect from another site)
is refused too. A request with neither header does not come from a browser (curl, scripts, the CLI)
and cannot be forged by a web page, so it passes.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_and_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    parts = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


def _same_host(claimed_url: str, served: list[tuple[str, int | None]]) -> bool:
    parts = urlsplit(claimed_url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        return False
    claimed = _host_and_port(parts.netloc, scheme)
    # Behind a proxy that ends TLS the scheme differs (https://x is served as http://x): the host and
    # a default port on both sides still name this server.
    defaults = set(DEFAULT_PORTS.values())
    return any(
        claimed[0] == host and (claimed[1] == port or {claimed[1], port} <= defaults) for host, port in served
    )


def cross_site_refusal(method: str, headers: dict[str, str], scheme: str) -> str | None:
    """Why a request is refused as cross-site, or None when it may pass."""
    if method.upper() in SAFE_METHODS:
        return None
    origin, referer = headers.get("origin"), headers.get("referer")
    claimed = origin if origin is not None else referer
    if claimed is None:
        return None  # not sent by a browser
    served = [_host_and_port(headers.get("host", ""), scheme)]
    forwarded = headers.get("x-forwarded-host")  # a reverse proxy's public name (a form cannot set it)
    if forwarded:
        served.append(_host_and_port(forwarded.split(",")[0].strip(), scheme))
    if claimed.strip().lower() == "null" or not _same_host(claimed, served):
        source = "Origin" if origin is not None else "Referer"
        return (
            f"Cross-site request refused: it was sent from another site ({source}: {claimed[:200]}), "
            f"not from this server's own pages ({headers.get('host', '?')}). Open Planwright's page "
            "and submit the form there."
        )
    return None


class CrossSiteRefusal:
    """ASGI middleware applying `cross_site_refusal` to every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
            reason = cross_site_refusal(scope["method"], headers, scope.get("scheme", "http"))
            if reason is not None:
                body = json.dumps({"detail": reason}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

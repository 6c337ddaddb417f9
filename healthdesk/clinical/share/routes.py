"""The share server's routes: the clinician view and its downloads, and the FHIR face.

Every failure to find a usable link - malformed, unknown, expired, revoked, or a FHIR call on a link
without the FHIR flag - answers the same bytes (`NOT_FOUND_HTML` or the `not-found` OperationOutcome) and
spends one unit of the caller's miss budget. Loading and rendering run in a small thread pool; access
events go to `on_access` and can never fail the response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from healthdesk.clinical.fhir import bundle_bytes
from healthdesk.clinical.pdf import build_pdf
from healthdesk.clinical.share.fhir_face import (
    FHIR_JSON,
    NOT_FOUND,
    TYPES,
    FhirError,
    FhirFace,
    dumps,
    outcome,
    searchset,
)
from healthdesk.clinical.share.guard import Guard, MissLimiter
from healthdesk.clinical.share.scope import Clock, LinkResolver, SnapshotCache, utc_now
from healthdesk.clinical.share.views import NOT_FOUND_HTML, render_view
from healthdesk.store.share import ShareLink

log = logging.getLogger("healthdesk.clinical.share")
# Few worker threads: requests are short once a snapshot is cached, and every extra thread competing for
# the GIL would take time slices from the app's UI thread.
WORKER_THREADS = 4


@dataclass(frozen=True)
class AccessEvent:
    """One successful request on a link (never the token)."""

    link_id: int
    label: str
    kind: str  # 'view' | 'pdf' | 'bundle' | 'fhir'
    at: datetime
    client: str


@dataclass
class ShareContext:
    resolver: LinkResolver
    cache: SnapshotCache
    app_version: str
    limiter: MissLimiter
    loopback_only: bool = True
    on_access: Callable[[AccessEvent], None] | None = None
    clock: Clock = utc_now


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def build_app(ctx: ShareContext) -> Guard:
    limiter: list[anyio.CapacityLimiter] = []

    async def run_in_threadpool(fn):
        if not limiter:  # created on the server's own event loop
            limiter.append(anyio.CapacityLimiter(WORKER_THREADS))
        return await anyio.to_thread.run_sync(fn, limiter=limiter[0])

    def accessed(link: ShareLink, kind: str, request: Request) -> None:
        log.info("share link %d served %s to %s", link.id, kind, _client(request))
        if ctx.on_access is not None:
            try:
                ctx.on_access(AccessEvent(link.id, link.label, kind, ctx.clock(), _client(request)))
            except Exception:  # noqa: BLE001 - counters are best effort, the read never fails for them
                log.exception("share access event for link %d could not be recorded", link.id)

    def missed(request: Request) -> None:
        ctx.limiter.miss(_client(request))
        log.info("share miss from %s", _client(request))

    def not_found_page() -> Response:
        return Response(NOT_FOUND_HTML, 404, media_type="text/html; charset=utf-8")

    # Token lookups run on the event loop (one indexed read on a fresh read-only connection, ~0.5 ms) and
    # cached answers are sent from there too; only building a snapshot or a rendering goes to a worker
    # thread. Fewer threads means fewer GIL hand-offs on every socket send.
    async def capability(request: Request, kind: str) -> Response:
        token = request.path_params["token"]
        link = ctx.resolver.resolve(token)
        if link is None:
            missed(request)
            return not_found_page()
        build = {"view": lambda d: render_view(d, link, token), "pdf": build_pdf, "bundle": bundle_bytes}[kind]
        snap = ctx.cache.fresh(link.id)
        body = snap.ready(kind) if snap else None
        if body is None:
            body = await run_in_threadpool(lambda: ctx.cache.get(link).artifact(kind, build))
        accessed(link, kind, request)
        if kind == "view":
            return Response(body, media_type="text/html; charset=utf-8")
        name = f"healthdesk-{'report' if kind == 'pdf' else 'fhir'}-{link.start}-{link.end}"
        disposition = {"Content-Disposition": f'attachment; filename="{name}.{"pdf" if kind == "pdf" else "json"}"'}
        return Response(body, media_type="application/pdf" if kind == "pdf" else FHIR_JSON, headers=disposition)

    async def view(request: Request) -> Response:
        return await capability(request, "view")

    async def pdf(request: Request) -> Response:
        return await capability(request, "pdf")

    async def bundle(request: Request) -> Response:
        return await capability(request, "bundle")

    async def fhir(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        link = ctx.resolver.resolve(token)
        if link is None or not link.fhir:
            missed(request)
            return Response(NOT_FOUND, 404, media_type=FHIR_JSON)
        base = f"{request.url.scheme}://{request.headers.get('host', '')}/fhir"
        rest = request.path_params["rest"]
        params = list(request.query_params.multi_items())
        key = (base, rest, tuple(params))
        snap = ctx.cache.fresh(link.id)
        body = snap.ready_page(key) if snap else None
        if body is None:
            def render() -> bytes:
                snapshot = ctx.cache.get(link)
                face = snapshot.artifact("fhir", FhirFace)
                return snapshot.page(key, lambda: dumps(fhir_answer(face, rest.split("/"), params, base,
                                                                    ctx.app_version)))
            try:
                body = await run_in_threadpool(render)
            except FhirError as exc:
                return Response(outcome(exc.code, exc.diagnostics), exc.status, media_type=FHIR_JSON)
        accessed(link, "fhir", request)
        return Response(body, media_type=FHIR_JSON)

    async def fallback(request: Request) -> Response:
        path = request.url.path
        if path.startswith(("/c/", "/fhir")):  # a capability-shaped guess spends the miss budget too
            missed(request)
        if path.startswith("/fhir"):
            return Response(NOT_FOUND, 404, media_type=FHIR_JSON)
        return not_found_page()

    app = Starlette(routes=[
        Route("/c/{token}", view), Route("/c/{token}/report.pdf", pdf), Route("/c/{token}/bundle.json", bundle),
        Route("/fhir/{rest:path}", fhir), Route("/{rest:path}", fallback),
    ])
    return Guard(app, ctx.limiter, ctx.loopback_only)


def fhir_answer(face: FhirFace, parts: list[str], params: list[tuple[str, str]], base: str, version: str) -> dict:
    """The resource or searchset for one FHIR request; FhirError for anything else."""
    if parts == ["metadata"]:
        return face.capability(base, version)
    if len(parts) == 1 and parts[0] in TYPES:
        return searchset(face.search(parts[0], params), params, base, f"/{parts[0]}")
    if len(parts) == 2 and parts[0] in TYPES:
        return face.read(parts[0], parts[1])
    if len(parts) == 3 and parts[0] == "Patient" and parts[2] == "$everything":
        extra = [n for n, _ in params if n not in ("_count", "_offset", "_format")]
        if extra:
            raise FhirError(400, "not-supported", f"Parameter {extra[0]!r} is not supported here.")
        return searchset(face.everything(parts[1]), params, base, f"/Patient/{parts[1]}/$everything")
    raise FhirError(404, "not-found", "Resource not found.")

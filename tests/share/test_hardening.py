"""Flat 404s, revocation on the next request, methods, sizes, Host check, miss limit, headers everywhere."""

from __future__ import annotations

import socket

import httpx
import pytest

from healthdesk.clinical.share.guard import MissLimiter, host_allowed
from healthdesk.clinical.share.tokens import mint_token

from .conftest import start

REQUIRED_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "x-content-type-options": "nosniff",
}


def assert_hardened(response: httpx.Response) -> None:
    for name, value in REQUIRED_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url.path[:12], name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_every_failure_class_gets_the_same_bytes(running, expired_link):
    revoked = running.link()
    running.service.revoke(revoked.info.id)
    no_fhir = running.link(fhir=False)
    tokens = {
        "malformed": "not-a-token", "short": revoked.token[:-1], "uppercase": revoked.token.upper(),
        "unknown": mint_token(), "expired": expired_link.token, "revoked": revoked.token,
    }
    views = {name: running.client.get(f"/c/{tok}") for name, tok in tokens.items()}
    bodies = {r.content for r in views.values()}
    assert len(bodies) == 1 and all(r.status_code == 404 for r in views.values())
    assert len({tuple(sorted((k, v) for k, v in r.headers.items() if k != "date")) for r in views.values()}) == 1
    downloads = [running.client.get(f"/c/{tok}/report.pdf") for tok in tokens.values()]
    assert {r.content for r in downloads} == bodies
    fhir = [running.client.get("/fhir/Observation", headers={"Authorization": f"Bearer {tok}"})
            for tok in [*tokens.values(), no_fhir.token]]
    fhir.append(running.client.get("/fhir/Observation"))  # no credentials at all
    fhir.append(running.client.get("/fhir/metadata", params={"token": no_fhir.token}))  # never from a query
    assert len({r.content for r in fhir}) == 1 and all(r.status_code == 404 for r in fhir)
    assert fhir[0].json()["issue"][0]["code"] == "not-found"
    for r in [*views.values(), *downloads, *fhir]:
        assert_hardened(r)


def test_revoke_takes_effect_on_the_next_request(running):
    link = running.link()
    assert running.client.get(link.url).status_code == 200  # also warms the snapshot cache
    auth = {"Authorization": f"Bearer {link.token}"}
    assert running.client.get("/fhir/Patient", headers=auth).status_code == 200
    running.service.revoke(link.info.id)
    assert running.client.get(link.url).status_code == 404
    assert running.client.get(link.url + "/bundle.json").status_code == 404
    assert running.client.get("/fhir/Patient", headers=auth).status_code == 404
    assert [i.status for i in running.service.list_links()] == ["revoked"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(running, method):
    link = running.link()
    for path in (link.url, "/fhir/Observation", "/anything"):
        r = running.client.request(method, path, headers={"Authorization": f"Bearer {link.token}"})
        assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
        assert_hardened(r)
    head = running.client.head(link.url)
    assert head.status_code == 200 and head.content == b""
    assert_hardened(head)


def test_oversized_url_and_header_are_refused(running):
    link = running.link()
    long_url = running.client.get(link.url + "?" + "a" * 3000)
    assert long_url.status_code == 414
    assert_hardened(long_url)
    path = link.url[len(running.info.base_url):]
    big_header = running.client.get(link.url, headers={"X-Pad": "p" * 9000})
    assert big_header.status_code == 431
    assert_hardened(big_header)
    # A request still incomplete beyond h11's limit never reaches the app: uvicorn answers 400 (with our
    # headers) without waiting for the rest.
    raw = raw_request(running.info.port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ".encode()
                      + b"p" * 40_000)
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert b"cache-control: no-store" in raw.lower() and b"frame-ancestors 'none'" in raw
    # Without the oversize the same raw request is served.
    ok = raw_request(running.info.port, f"GET {path} HTTP/1.1\r\n"
                     f"Host: 127.0.0.1:{running.info.port}\r\nConnection: close\r\n\r\n".encode())
    assert ok.startswith(b"HTTP/1.1 200 ")


def test_host_header_is_checked_against_dns_rebinding(running):
    link = running.link()
    port = running.info.port
    for host in (f"evil.example:{port}", "attacker.test", f"127.0.0.1:{port + 1}", f"192.168.1.5:{port}"):
        r = running.client.get(link.url, headers={"Host": host})
        assert r.status_code == 400, host
        assert_hardened(r)
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert running.client.get(link.url, headers={"Host": host}).status_code == 200


def test_lan_host_rule_accepts_ip_literals_only():
    assert host_allowed("192.168.1.5:8000", 8000, loopback_only=False)
    assert host_allowed("[fe80::1]:8000", 8000, loopback_only=False)
    assert not host_allowed("nas.local:8000", 8000, loopback_only=False)  # a name can be re-pointed
    assert not host_allowed("192.168.1.5:8001", 8000, loopback_only=False)
    assert not host_allowed("192.168.1.5:8000", 8000, loopback_only=True)


def test_a_burst_of_misses_is_rate_limited(share_db, home):
    run = start(share_db, home, MissLimiter(burst=10, refill_s=60))
    try:
        good = run.link()
        codes = [run.client.get(f"/c/{mint_token()}").status_code for _ in range(15)]
        assert codes == [404] * 10 + [429] * 5
        limited = run.client.get(good.url)  # the valid link is blocked too while the bucket is empty
        assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
        assert_hardened(limited)
        fhir = run.client.get("/fhir/metadata", headers={"Authorization": f"Bearer {good.token}"})
        assert fhir.status_code == 429 and fhir.json()["issue"][0]["code"] == "throttled"
    finally:
        run.client.close()
        run.service.close()


def test_over_the_per_address_cap_an_idle_connection_gives_way(share_db, home):
    """Idle sockets never starve a request (uvicorn's limit_concurrency counted them and answered 503)."""
    from healthdesk.services.share import ShareService

    service = ShareService(share_db, home, key=bytes(32))
    info = service.start_server(port=0, per_address_connections=2)
    try:
        idle = [socket.create_connection(("127.0.0.1", info.port)) for _ in range(2)]  # hold both slots
        r = httpx.get(f"{info.base_url}/c/x", timeout=10)
        assert r.status_code == 404  # answered: the oldest idle connection was closed for it
        assert_hardened(r)
        idle[0].settimeout(5)
        assert idle[0].recv(1) == b""  # that one was closed by the server
        for s in idle:
            s.close()
    finally:
        service.close()


def test_a_dribbled_request_head_is_cut_off(share_db, home):
    """Slow-loris: one header byte at a time keeps uvicorn's keep-alive timer from ever firing."""
    import time

    from healthdesk.clinical.share.routes import ShareContext, build_app
    from healthdesk.clinical.share.scope import LinkResolver, SnapshotCache
    from healthdesk.clinical.share.server import ServerOptions, ShareServer
    from healthdesk.store.share import ReadOnlyStore

    store = ReadOnlyStore(share_db)
    ctx = ShareContext(LinkResolver(store, bytes(32)), SnapshotCache(store, "test"), "test", MissLimiter())
    server = ShareServer(build_app(ctx), ServerOptions(port=0, head_timeout=1.0))
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"GET /c/x HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            t0, closed_after = time.monotonic(), None
            for _ in range(40):
                try:
                    s.sendall(b"X")
                    time.sleep(0.1)
                    s.setblocking(False)
                    try:
                        if s.recv(1) == b"":
                            closed_after = time.monotonic() - t0
                            break
                    except BlockingIOError:
                        pass
                    finally:
                        s.setblocking(True)
                except OSError:
                    closed_after = time.monotonic() - t0
                    break
        assert closed_after is not None and 0.8 <= closed_after <= 2.5
        # A normal request on a fresh connection is still answered.
        assert httpx.get(f"http://127.0.0.1:{server.port}/c/x").status_code == 404
    finally:
        server.stop()
        store.close()

"""WHOOP sign-in: authorization-code flow with PKCE S256 and a loopback redirect listener.

The redirect URI is fixed (`http://127.0.0.1:<port><path>`) because WHOOP matches it exactly against the
URIs registered on the user's app; the user is shown the exact string to register. The code exchange sends
the client secret in the form body (WHOOP rejects HTTP Basic with `invalid_client`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import http.server
import logging
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from healthdesk.cloud.clock import Clock
from healthdesk.cloud.endpoints import SCOPES, Endpoints
from healthdesk.cloud.errors import AuthError, BadResponse, CloudUnavailable
from healthdesk.cloud.secrets import ClientCredentials, TokenPair

log = logging.getLogger(__name__)

DEFAULT_REDIRECT_PORT = 53682
DEFAULT_REDIRECT_PATH = "/callback"


def redirect_uri_for(port: int, path: str = DEFAULT_REDIRECT_PATH) -> str:
    return f"http://127.0.0.1:{port}{path}"


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) per RFC 7636: 64 url-safe chars, challenge = b64url(sha256(verifier))."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    verifier: str
    redirect_uri: str


def start_authorization(endpoints: Endpoints, client_id: str, redirect_uri: str) -> AuthorizationRequest:
    state = secrets.token_urlsafe(32)  # 32 random bytes; WHOOP wants at least 8 characters
    verifier, challenge = pkce_pair()
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": " ".join(SCOPES), "state": state, "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    return AuthorizationRequest(f"{endpoints.authorize}?{query}", state, verifier, redirect_uri)


def state_matches(received: str | None, expected: str) -> bool:
    """Constant-time, ASCII only: hmac.compare_digest raises TypeError on non-ASCII str, so compare bytes."""
    if received is None or not received.isascii() or not expected.isascii():
        return False
    return hmac.compare_digest(received.encode("ascii"), expected.encode("ascii"))


def code_from_redirect(params: dict[str, str], expected_state: str) -> str:
    """The authorization code from the redirect's query, after checking `state` and WHOOP's error fields."""
    if not state_matches(params.get("state"), expected_state):
        raise AuthError("sign-in answer did not match this request (state mismatch); nothing was changed, "
                        "try connecting again")
    if "error" in params:
        if params["error"] == "access_denied":
            raise AuthError("access was not granted in the WHOOP consent page; nothing was changed")
        raise AuthError(f"WHOOP refused the sign-in: {params['error']} {params.get('error_description', '')}"
                        .strip())
    if not params.get("code"):
        raise AuthError("WHOOP's redirect carried no authorization code")
    return params["code"]


class LoopbackListener:
    """An HTTP listener on 127.0.0.1 that waits for WHOOP's redirect carrying the expected `state`.

    Any other request - a stray or hostile hit on the redirect path, a wrong or missing or non-ASCII state -
    gets a plain 400 and is ignored: the listener keeps waiting until the real answer or the timeout. The
    browser is told "signed in" only after the state matched (docs/architecture.md, "WHOOP sign-in").
    """

    def __init__(self, port: int, path: str = DEFAULT_REDIRECT_PATH) -> None:
        self.path = path
        self.expected_state: str | None = None  # set by expect() before the authorize URL is shown
        self._params: dict[str, str] | None = None
        self._arrived = threading.Event()
        self.ignored = 0  # requests that were not the answer (tests, the log)
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10  # a socket that sends nothing cannot hold the one-threaded listener for long

            def do_GET(self) -> None:  # noqa: N802 (stdlib name)
                parts = urlsplit(self.path)
                if parts.path != listener.path or listener._arrived.is_set():
                    self.send_error(404)
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                expected = listener.expected_state
                if expected is None or not state_matches(query.get("state"), expected):
                    listener.ignored += 1
                    log.warning("ignored a request to the sign-in redirect without this sign-in's state")
                    self._answer(400, b"healthdesk: this is not the answer to the sign-in in progress; ignored.")
                    return
                ok = "code" in query and "error" not in query
                self._answer(200, b"healthdesk: signed in to WHOOP. You can close this tab." if ok else
                             b"healthdesk: WHOOP sign-in did not complete. Return to healthdesk.")
                listener._params = query
                listener._arrived.set()

            def _answer(self, status: int, text: bytes) -> None:
                body = b"<html><body><h3>" + text + b"</h3></body></html>"
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never log it
                pass

        try:
            self._server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        except (OSError, OverflowError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise AuthError(f"cannot listen for WHOOP's redirect on 127.0.0.1:{port} ({reason}); "
                            "choose another --redirect-port and register that redirect URI") from exc
        self.port = self._server.server_address[1]
        self.redirect_uri = redirect_uri_for(self.port, path)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="whoop-redirect",
                                        daemon=True)
        self._thread.start()

    def expect(self, state: str) -> None:
        """The `state` of the authorization request just made: only a redirect carrying it is the answer."""
        self.expected_state = state

    async def wait(self, timeout: float) -> dict[str, str]:
        arrived = await asyncio.to_thread(self._arrived.wait, timeout)
        if not arrived or self._params is None:
            raise AuthError(f"no redirect from WHOOP arrived within {timeout:.0f} s; nothing was changed")
        return self._params

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def token_error(resp: httpx.Response) -> tuple[str, str]:
    try:
        body = resp.json()
        return str(body.get("error", "")), str(body.get("error_description", ""))
    except ValueError:
        return "", ""


def token_pair_from_response(resp: httpx.Response, clock: Clock, previous_refresh: str | None = None) -> TokenPair:
    try:
        body = resp.json()
        access, expires_in = body["access_token"], float(body["expires_in"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadResponse("WHOOP's token endpoint answered with malformed JSON") from exc
    # WHOOP rotates refresh tokens; only if a response lacks one is the previous one still the one to keep.
    refresh = body.get("refresh_token") or previous_refresh
    return TokenPair(access, refresh, clock.time() + expires_in, str(body.get("scope", "")))


async def post_token(http: httpx.AsyncClient, endpoints: Endpoints, form: dict[str, str]) -> httpx.Response:
    try:
        return await http.post(endpoints.token, data=form)
    except httpx.TransportError as exc:
        raise CloudUnavailable(f"cannot reach WHOOP at {endpoints.root} ({type(exc).__name__})") from exc


async def exchange_code(http: httpx.AsyncClient, endpoints: Endpoints, creds: ClientCredentials, code: str,
                        request: AuthorizationRequest, clock: Clock) -> TokenPair:
    resp = await post_token(http, endpoints, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": request.redirect_uri,
        "client_id": creds.client_id, "client_secret": creds.client_secret, "code_verifier": request.verifier})
    if resp.status_code == 200:
        pair = token_pair_from_response(resp, clock)
        if not pair.refresh_token:
            raise AuthError("WHOOP granted no refresh token: enable the 'offline' scope on your WHOOP app")
        return pair
    error, _ = token_error(resp)
    if resp.status_code == 401 or error == "invalid_client":
        raise AuthError("WHOOP rejected the client id or client secret (invalid_client); check both in the "
                        "WHOOP developer dashboard")
    if error == "invalid_grant":
        raise AuthError("WHOOP refused the sign-in code (expired, already used, or redirect URI mismatch); "
                        "connect again")
    if resp.status_code >= 500:
        raise CloudUnavailable(f"WHOOP's token endpoint failed (HTTP {resp.status_code}); try again later")
    raise AuthError(f"WHOOP's token endpoint refused the sign-in (HTTP {resp.status_code} {error})".strip())

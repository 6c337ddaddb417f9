"""The fake WHOOP cloud on the wire: a starlette app over FakeWhoop, served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from fake_whoop.server import FakeWhoop, LoggedRequest
from fake_whoop.spec import Operation, consumer_operations


def build_app(fake: FakeWhoop) -> Starlette:
    async def authorize(request: Request) -> Response:
        with fake.lock:
            target = fake.authorize(dict(request.query_params))
            fake.log.append(LoggedRequest("GET", request.url.path, {}, 302))
        if target.startswith("/"):
            target = str(request.base_url).rstrip("/") + target
        return RedirectResponse(target, status_code=302)

    async def fallback_error(request: Request) -> Response:
        return PlainTextResponse(f"OAuth error: {request.query_params.get('error_hint', '')}", status_code=400)

    async def token(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        with fake.lock:
            status, body = fake.token(form, request.headers.get("authorization", "").startswith("Basic "))
            fake.log.append(LoggedRequest("POST", request.url.path, {"grant_type": form.get("grant_type", "")},
                                          status))
        return JSONResponse(body, status_code=status)

    def data_route(op: Operation) -> Route:
        async def endpoint(request: Request) -> Response:
            query = dict(request.query_params)
            with fake.lock:
                status, body, headers = fake.handle(op, request.method, dict(request.path_params), query,
                                                    {k.lower(): v for k, v in request.headers.items()})
                if isinstance(body, dict) and body.get("__status__"):
                    status, body = body["__status__"], {"error": "invalid_request"}
                fake.log.append(LoggedRequest(request.method, request.url.path, query, status))
            if body is None:
                return Response(status_code=status, headers=headers)
            if isinstance(body, str):
                return PlainTextResponse(body, status_code=status, headers=headers,
                                         media_type="application/json" if status == 200 else "text/plain")
            return JSONResponse(body, status_code=status, headers=headers)

        return Route("/developer" + op.path, endpoint, methods=[op.method])

    routes = [Route("/oauth/oauth2/auth", authorize), Route("/oauth/oauth2/fallbacks/error", fallback_error),
              Route("/oauth/oauth2/token", token, methods=["POST"])]
    routes += [data_route(op) for op in consumer_operations()]
    return Starlette(routes=routes)


class FakeWhoopServer:
    """Runs a FakeWhoop on 127.0.0.1 at a free port in a background thread."""

    def __init__(self, fake: FakeWhoop) -> None:
        self.fake = fake
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(build_app(fake), log_level="warning", lifespan="off",
                                # uvicorn's log_config and access_log=False rewire loggers process-wide;
                                # leave the test process's logging as the other tests expect it.
                                log_config=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="fake-whoop", daemon=True)

    def start(self) -> FakeWhoopServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake WHOOP server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> FakeWhoopServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

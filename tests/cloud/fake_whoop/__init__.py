"""A fake WHOOP cloud for tests and benchmarks: a real HTTP server (starlette + uvicorn on 127.0.0.1)
whose routes, scopes and parameter limits come from WHOOP's saved OpenAPI document."""

from fake_whoop.data import FakeData, simulate_history
from fake_whoop.server import FakeWhoop
from fake_whoop.serving import FakeWhoopServer

__all__ = ["FakeData", "FakeWhoop", "FakeWhoopServer", "simulate_history"]

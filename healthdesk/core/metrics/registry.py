"""Metric registry (GoldenCheetah style): each group names what it provides and what it requires; the
registry evaluates groups in dependency order for one cycle. Compute functions live in cycle_metrics.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING

from healthdesk.core.models import Metric

if TYPE_CHECKING:
    from healthdesk.core.metrics.engine import CycleInputs

Compute = Callable[["CycleInputs", dict[str, Metric]], dict[str, Metric]]


@dataclass(frozen=True)
class MetricGroup:
    provides: dict[str, str]  # metric name -> unit
    requires: tuple[str, ...]
    compute: Compute


class Registry:
    def __init__(self) -> None:
        self._groups: list[MetricGroup] = []
        self._provider: dict[str, MetricGroup] = {}
        self._order: list[MetricGroup] | None = None

    def register(
        self, provides: dict[str, str], requires: tuple[str, ...] = ()
    ) -> Callable[[Compute], Compute]:
        def wrap(fn: Compute) -> Compute:
            group = MetricGroup(dict(provides), tuple(requires), fn)
            for name in provides:
                if name in self._provider:
                    raise ValueError(f"metric {name!r} registered twice")
                self._provider[name] = group
            self._groups.append(group)
            self._order = None
            return fn

        return wrap

    @property
    def units(self) -> dict[str, str]:
        return {name: unit for g in self._groups for name, unit in g.provides.items()}

    def order(self) -> list[MetricGroup]:
        if self._order is None:
            graph: dict[int, set[int]] = {}
            index = {id(g): i for i, g in enumerate(self._groups)}
            for i, g in enumerate(self._groups):
                missing = [r for r in g.requires if r not in self._provider]
                if missing:
                    raise ValueError(f"{list(g.provides)} require unknown metrics {missing}")
                graph[i] = {index[id(self._provider[r])] for r in g.requires}
            self._order = [self._groups[i] for i in TopologicalSorter(graph).static_order()]
        return self._order

    def evaluate(self, inputs: CycleInputs) -> dict[str, Metric]:
        got: dict[str, Metric] = {}
        for group in self.order():
            out = group.compute(inputs, got)
            for name, unit in group.provides.items():
                metric = out.get(name) or Metric.missing(unit, "missing_input")
                got[name] = metric
        return got


REGISTRY = Registry()

"""What the benchmark scripts print about the machine they ran on (the README names the CPU of every row)."""

from __future__ import annotations

from pathlib import Path


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"

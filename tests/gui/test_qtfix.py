"""The PySide6 6.12 workaround: emits and void calls must not be able to wear None/True/False down to zero."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

import healthdesk.ui  # noqa: F401  (applies the workaround)


class Emitter(QObject):
    fired = Signal(int)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12+ makes these singletons immortal itself")
def test_singletons_keep_their_headroom_through_many_emits_and_void_calls(qapp) -> None:
    emitter = Emitter()
    before = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True))}
    for i in range(20_000):
        emitter.fired.emit(i)  # each emit hands back True without a reference (PySide6 6.12.0 on 3.11)
        emitter.setObjectName("x")  # each void call does the same with None
    after = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True))}
    assert all(count > 2**47 for count in after.values()), after
    assert before["True"] - after["True"] <= 20_000  # the leak is still there; the headroom absorbs it

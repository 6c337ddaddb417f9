"""Work around PySide6 6.12.0 on Python 3.11: `Signal.emit()` returns `True` without a new reference.

Every emit from Python lowers True's reference count by one (measured: 100 emits -> -100), so after a few
thousand emits (pyqtgraph emits on every range change) the interpreter aborts with "bool_dealloc:
deallocating True or False", at exit or even mid-run. Python 3.12+ makes True/False immortal, which is what
PySide6 now assumes; on 3.11 we give both a reference count no program can wear down.
"""

from __future__ import annotations

import ctypes
import platform
import sys

_HEADROOM = 1 << 40


def make_bools_immortal() -> None:
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return
    for obj in (True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's first field
        if refcount.value < _HEADROOM:
            refcount.value += _HEADROOM

"""Work around PySide6 6.12.0 on Python 3.11: it hands out None/True/False without taking a reference.

Measured with the 6.12.0 wheels on CPython 3.11.7: every call of a void method (`processEvents`,
`setObjectName`, ...) lowers None's reference count by one, and every `Signal.emit()` lowers True's. Python 3.12+
makes these singletons immortal, which the 6.12 bindings evidently assume; on 3.11 the counts run down until the
interpreter aborts with "none_dealloc: deallocating None" (seen mid-run after a demo drain) or "bool_dealloc" at
exit. We give the three singletons a reference count no program can wear down, which is what 3.12 does.
"""

from __future__ import annotations

import ctypes
import platform
import sys

_HEADROOM = 1 << 48


def make_singletons_immortal() -> None:
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return
    for obj in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's first field
        if refcount.value < _HEADROOM:
            refcount.value += _HEADROOM

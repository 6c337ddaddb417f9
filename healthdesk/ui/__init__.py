"""All widgets. Import PySide6 before qasync/pyqtgraph pick a binding (ecosystem.md §2, §3)."""

import os

from healthdesk.ui.qtfix import make_singletons_immortal

os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
make_singletons_immortal()

"""Every table module of the store, imported in one place so Base.metadata (and Alembic) sees all tables.

Adding a table module: add one import line here and a migration in migrations/versions/.
"""

from healthdesk.store import band_tables  # noqa: F401
from healthdesk.store import cloud  # noqa: F401
from healthdesk.store import derived  # noqa: F401
from healthdesk.store import share  # noqa: F401
from healthdesk.store.base import Base

metadata = Base.metadata

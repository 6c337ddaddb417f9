"""Which HMAC key each share link was minted under (an id of the key, never the key).

A link minted with a per-process key (no keyring) cannot be opened once that process ends; comparing the
link's key id with the key this process would serve with tells `share list` which links are really usable,
so a dead link is never listed as active (docs/architecture.md, "Share links without a keyring").
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from healthdesk.store.base import Base


class ShareLinkKey(Base):
    __tablename__ = "share_link_keys"

    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))


def record_key(conn: Connection, link_id: int, key_id: str) -> None:
    conn.execute(insert(ShareLinkKey).values(link_id=link_id, key_id=key_id))


def key_ids(conn: Connection) -> dict[int, str]:
    """link id -> key id; links from before this table have no entry (minted with the keyring key)."""
    if not inspect(conn).has_table("share_link_keys"):
        return {}
    return {int(r.link_id): str(r.key_id) for r in conn.execute(select(ShareLinkKey))}

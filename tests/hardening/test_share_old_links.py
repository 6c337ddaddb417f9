"""A link stored before dates were bounded answers the flat 404, never a 500 on every request."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

from healthdesk.clinical.share.tokens import mint_token, token_hash
from healthdesk.services.share import ShareService
from healthdesk.store.database import open_database
from healthdesk.store.share import NewLink, insert_link

KEY = bytes(32)


def test_a_year_1_to_9999_link_from_v0_1_is_a_flat_404(tmp_path):
    db = tmp_path / "healthdesk.db"
    open_database(db).close()
    service = ShareService(db, tmp_path, key=KEY)
    try:
        info = service.start_server(port=0)
        token, unknown = mint_token(), mint_token()
        now = datetime.now(UTC).replace(microsecond=0)
        writer = open_database(db)
        try:
            with writer.write() as conn:  # what v0.1's share create accepted
                insert_link(conn, NewLink("old", date(1, 1, 1), date(9999, 12, 31), "UTC", frozenset({"vitals"}),
                                          True, now, now + timedelta(days=3), token_hash(KEY, token)))
        finally:
            writer.close()
        with httpx.Client(base_url=info.base_url, timeout=30) as client:
            answers = [client.get(f"/c/{token}"), client.get(f"/c/{token}/report.pdf"),
                       client.get("/fhir/Observation", headers={"Authorization": f"Bearer {token}"})]
            flat = client.get(f"/c/{unknown}")
        assert [a.status_code for a in answers] == [404, 404, 404]
        assert answers[0].content == flat.content  # the same bytes as any unknown token
    finally:
        service.close()

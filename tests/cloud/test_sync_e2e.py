"""End to end: sign in through the real loopback redirect, backfill a simulated year, converge after changes."""

from __future__ import annotations

import asyncio

from conftest import connect_through_browser

from healthdesk.store import cloud as local


def local_dump(db) -> dict:
    with local.read_session(db) as session:
        dump = local.dump_local_copy(session)
    return {name: [{"id": r["id"], "updated_at": r["updated_at"], "score_state": r["score_state"]}
                   for r in rows if not r["deleted"]] for name, rows in dump.items()}


def test_connect_backfill_and_incremental(make_stack, fake, db, data):
    async def scenario():
        stack = make_stack()
        outcome = await connect_through_browser(stack, fake)
        assert outcome["status"] == 200 and outcome["final_url"].startswith("http://127.0.0.1:")
        report = await stack.syncer().run()
        assert local_dump(db) == data.expected_dump()
        print(report.to_dict())
        report2 = await stack.syncer().run()
        print(report2.to_dict())
        await stack.aclose()
        return report, report2

    report, report2 = asyncio.run(scenario())
    assert report.requests <= 70
    assert report2.requests <= 6

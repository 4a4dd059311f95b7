"""Conduits and subscriptions with asyncio: a Future is awaitable, so
`await client.submit_...()` inside a running loop polls the client from that
loop while it waits. Usage: async_workflow.py [MOCK_URL] (default
$TC_MOCK_URL; start one with `tc-mock --port 0`). Exits 1, saying why, when
a step fails."""
import asyncio
import os
import sys

import twitchconduits as tc
from twitchconduits import aio


async def main(url: str) -> None:
    # ---- the flow ----
    with tc.Client(client_id="mockclientid0123456789abcdefghij", client_secret="mocksecret0123456789abcdefghijk",
                   api_base_url=url + "/helix", auth_base_url=url + "/oauth2") as client:
        conduits = await asyncio.gather(*(client.submit_create_conduit(n) for n in (1, 2, 3)))
        print("conduits with", [c.shard_count for c in conduits], "shards")
        specs = [("stream.online", "1", {"broadcaster_user_id": uid}) for uid in ("1001", "1002")]
        batch = await asyncio.wait_for(client.submit_create_subscriptions(conduits[0].id, specs), timeout=30)
        print("subscriptions:", [item.outcome for item in batch.items])
        async for sub in aio.subscriptions(client, conduit_id=conduits[0].id):   # page by page
            print(" ", sub.type, sub.condition["broadcaster_user_id"], sub.status)
        try:
            await client.submit_delete_conduit("no-such-conduit")
        except tc.NotFoundError as e:                   # the operation's error, raised by the await
            print("as expected:", e.name)
        await asyncio.gather(*(client.submit_delete_conduit(c.id) for c in conduits))
        print("deleted", len(conduits), "conduits")
    # ---- end of the flow ----
    if not batch.ok:
        sys.exit("async_workflow: " + "; ".join(i.message for i in batch.items if not i.ok))


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["TC_MOCK_URL"]
try:
    asyncio.run(main(url))
except tc.Error as e:
    sys.exit(f"async_workflow: {e}")

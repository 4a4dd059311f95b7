"""The twitchconduits workflow in Python: token -> conduit -> shards ->
subscriptions -> cleanup -> delete. Usage: workflow.py [MOCK_URL]
(default $TC_MOCK_URL; start one with `tc-mock --port 0 --allow-http-callbacks`).
Exits 1, saying why, when a step fails."""
import os
import sys

import twitchconduits as tc


def fail(what, items):
    """Stop with each failed item's reason."""
    sys.exit(f"workflow: {what} failed: " + "; ".join(items))


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["TC_MOCK_URL"]
secret = "an-example-secret-0123"
try:
    with tc.Client(client_id="mockclientid0123456789abcdefghij", client_secret="mocksecret0123456789abcdefghijk",
                   api_base_url=url + "/helix", auth_base_url=url + "/oauth2",
                   flags=tc.F_ALLOW_HTTP_CALLBACKS) as client:
        print("token for", client.get_token().client_id)
        conduit = client.create_conduit(1)
        print("conduit", conduit.id)
        listener = client.listen(routes={"shard0": secret})       # the library answers the challenge
        res = client.update_shards(conduit.id, [tc.ShardAssignment.webhook("0", listener.url("shard0"), secret)])
        print("shards updated:", len(res.items) - res.failed, "failed:", res.failed)
        if not res.ok:
            fail("update_shards", [f"shard {i.shard_id}: {i.message}" for i in res.items if not i.ok])
        specs = [("stream.online", "1", {"broadcaster_user_id": uid}) for uid in ("1001", "1002", "1003")]
        batch = client.create_subscriptions(conduit.id, specs)
        for item in batch.items:
            print(" ", item.outcome, item.subscription.id if item.subscription else item.message)
        if not batch.ok:
            fail("create_subscriptions", [i.message for i in batch.items if not i.ok])
        cleaned = client.reconcile_subscriptions(conduit.id, [])   # delete every subscription of the conduit
        print("deleted", cleaned.tally("deleted"), "subscriptions")
        listener.close()
        client.delete_conduit(conduit.id)
        print("conduit deleted")
except tc.Error as e:
    sys.exit(f"workflow: {e}")

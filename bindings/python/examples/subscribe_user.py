"""The original library's start() + create_subscriptions(types, condition)
flow, in Python. Usage: subscribe_user.py [MOCK_URL] (default $TC_MOCK_URL;
start one with `tc-mock --port 0`). Exits 1, saying why, when anything fails."""
import os
import sys

import twitchconduits as tc

url = sys.argv[1] if len(sys.argv) > 1 else os.environ["TC_MOCK_URL"]
user = {"broadcaster_user_id": "1337", "moderator_user_id": "1337"}
try:
    # ---- the flow ----
    with tc.Client(client_id="mockclientid0123456789abcdefghij", client_secret="mocksecret0123456789abcdefghijk",
                   api_base_url=url + "/helix", auth_base_url=url + "/oauth2") as client:
        conduit = client.create_conduit(1)                       # once per application
        view = client.start()                                    # token, conduits, shards, subscriptions
        batch = client.create_subscriptions_by_type(conduit.id, ["channel.follow", "stream.online",
                                                                 "stream.offline", "channel.ban"], user)
        for item in batch.items:
            print(f"  {item.outcome:8} {item.subscription.type if item.subscription else item.message}")
        mine = view.subscriptions(user_id="1337")
        print(f"the view holds {len(mine)} subscription(s) of user 1337")
    # ---- end of the flow ----
except tc.Error as e:
    sys.exit(f"subscribe_user: {e}")
if not batch.ok:
    sys.exit("subscribe_user: " + "; ".join(i.message for i in batch.items if not i.ok))
if len(mine) != 4:
    sys.exit(f"subscribe_user: expected 4 subscriptions in the view, found {len(mine)}")

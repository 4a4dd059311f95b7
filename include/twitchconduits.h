/*
 * twitchconduits: manage Twitch EventSub conduits, shards and subscriptions.
 * The umbrella header: include this one.
 */
#ifndef TWITCHCONDUITS_H
#define TWITCHCONDUITS_H

#include <twitchconduits/version.h>
#include <twitchconduits/common.h>
#include <twitchconduits/conduits.h>
#include <twitchconduits/request.h>
#include <twitchconduits/token.h>
#include <twitchconduits/transport.h>
#include <twitchconduits/conduit.h>
#include <twitchconduits/shard.h>
#include <twitchconduits/subscription.h>
#include <twitchconduits/users.h>
#include <twitchconduits/webhook.h>
#include <twitchconduits/listener.h>
#include <twitchconduits/runner.h>
#include <twitchconduits/catalogue.h>
#include <twitchconduits/metrics.h>
#include <twitchconduits/completion.h>

#endif /* TWITCHCONDUITS_H */

# frozen_string_literal: true

# TwitchConduits: Twitch EventSub conduits, shards and subscriptions, and the
# webhook events they deliver. A thin Ruby layer over libtwitchconduits.
require "json"
require "twitchconduits_native"

module TwitchConduits
  # The SWIG-generated layer: the C API itself (twitchconduits.i).
  Native = ::Twitchconduits_native
end

require "twitchconduits/version"
require "twitchconduits/errors"
require "twitchconduits/types"
require "twitchconduits/webhook"
require "twitchconduits/operation"
require "twitchconduits/listener"
require "twitchconduits/client"
require "twitchconduits/users"
require "twitchconduits/catalogue"
require "twitchconduits/view"

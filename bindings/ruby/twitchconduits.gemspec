# frozen_string_literal: true

require_relative "lib/twitchconduits/version"

Gem::Specification.new do |s|
  s.name = "twitchconduits"
  s.version = TwitchConduits::VERSION
  s.summary = "Twitch EventSub conduits, shards, subscriptions and webhook events (libtwitchconduits)"
  s.description = "Ruby binding of libtwitchconduits: blocking and async operations, exceptions for " \
                  "failures, GVL-releasing interruptible waits, and a Rack app for EventSub webhooks."
  s.authors = ["twitchconduits contributors"]
  s.license = "MIT"
  s.required_ruby_version = ">= 3.0"
  # The SWIG wrapper is generated into ext/ by `rake vendor`
  # (see README.md) before `gem build`, so installing needs no SWIG.
  s.files = Dir["lib/**/*.rb", "ext/twitchconduits/*.{rb,c,h}", "README.md"]
  s.extensions = ["ext/twitchconduits/extconf.rb"]
  s.require_paths = ["lib"]
end

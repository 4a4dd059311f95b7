# The original library's start() + create_subscriptions(types, condition) flow
# in Ruby. ruby examples/subscribe_user.rb http://127.0.0.1:PORT (a tc-mock; or
# $TC_MOCK_URL). Exits 1, saying why, when anything fails. The part between the
# markers is bindings/ruby/README.md's second example, verbatim (test_readme.rb
# checks it).
require "twitchconduits"

url = ARGV[0] || ENV.fetch("TC_MOCK_URL")
user = { broadcaster_user_id: "1337", moderator_user_id: "1337" }
begin
  TwitchConduits::Client.open(client_id: "mockclientid0123456789abcdefghij", client_secret: "mocksecret0123456789abcdefghijk",
                              api_base_url: "#{url}/helix", auth_base_url: "#{url}/oauth2") do |client|
    # ---- README example ----
    conduit = client.create_conduit(1)                           # once per application
    view = client.start                                          # token, conduits, shards, subscriptions
    batch = client.create_subscriptions_by_type(conduit.id, %i[channel.follow stream.online stream.offline channel.ban],
                                                condition: user)
    batch.items.each { |i| puts format("  %-8s %s", i.outcome, i.subscription&.type || i.message) }
    mine = view.subscriptions(user_id: "1337")
    puts "the view holds #{mine.size} subscription(s) of user 1337"
    # ---- end of README example ----
    abort "subscribe_user: expected 4 subscriptions in the view, found #{mine.size}" unless mine.size == 4
  end
rescue TwitchConduits::Partial => e
  abort "subscribe_user: #{e.result.failed.map(&:message).join('; ')}"
rescue TwitchConduits::Error => e
  abort "subscribe_user: #{e.name} (HTTP #{e.http_status}): #{e.message}"
end

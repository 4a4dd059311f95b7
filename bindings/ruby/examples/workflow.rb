# The conduit workflow in Ruby: token, conduit, shards, subscriptions, cleanup.
# ruby examples/workflow.rb http://127.0.0.1:PORT   (a tc-mock; or $TC_MOCK_URL)
# Exits 1, saying why, when a step fails. The part between the markers is
# bindings/ruby/README.md's example, verbatim (test_readme.rb checks it).
require "twitchconduits"

url = ARGV[0] || ENV.fetch("TC_MOCK_URL")
id = ENV.fetch("TWITCH_CLIENT_ID", "mockclientid0123456789abcdefghij")
secret = ENV.fetch("TWITCH_CLIENT_SECRET", "mocksecret0123456789abcdefghijk")
begin
  # ---- README example ----
  TwitchConduits::Client.open(client_id: id, client_secret: secret,
                              api_base_url: "#{url}/helix", auth_base_url: "#{url}/oauth2") do |client|
    token = client.token
    puts "token for #{token.client_id}, expires at #{Time.at(token.expires_at)}"
    conduit = client.create_conduit(2)
    puts "created conduit #{conduit.id} with #{conduit.shard_count} shards"
    shards = client.update_shards(conduit.id, [
      { id: "0", callback: "https://example.com/eventsub/0", secret: "a-long-webhook-secret" },
      { id: "1", callback: "https://example.com/eventsub/1", secret: "a-long-webhook-secret" }
    ])
    shards.items.each { |r| puts "shard #{r.shard_id}: #{r.shard.status}" }
    specs = %w[1001 1002 1003].map do |user|
      { type: "stream.online", version: "1", condition: { broadcaster_user_id: user } }
    end
    batch = client.create_subscriptions(conduit.id, specs) { |p| puts "progress #{p.done}/#{p.total}" }
    batch.items.each { |i| puts "#{i.outcome}: #{i.subscription&.id || i.message}" }
    removed = client.cleanup_subscriptions(conduit.id)
    puts "cleaned up #{removed.tally(:deleted)} subscriptions"
    client.delete_conduit(conduit.id)
    puts "deleted conduit #{conduit.id}"
  end
  # ---- end of README example ----
rescue TwitchConduits::Partial => e # some items failed: say which and why
  failed = e.result.is_a?(TwitchConduits::BatchResult) ? e.result.failed : e.result.items.reject(&:ok?)
  abort "workflow: #{e.message}: " + failed.map { |i| "#{"shard #{i.shard_id}: " if i.respond_to?(:shard_id)}#{i.error&.message}" }.join("; ")
rescue TwitchConduits::Error => e
  abort "workflow: #{e.name} (HTTP #{e.http_status}): #{e.message}"
end

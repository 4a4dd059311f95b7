# frozen_string_literal: true

# Cost of one completed Helix request (GET /eventsub/conduits) through the
# Ruby binding vs. the same request from C (bench_c_requests, same options),
# against one tc-mock, in one run.
#   TC_MOCK=.../tc-mock TC_BENCH_C=.../bench_c_requests ruby bench/bench_requests.rb [COUNT] [CONCURRENCY] [ROUNDS]
# The two alternate in ROUNDS rounds of COUNT/ROUNDS requests each, so that
# both see the same load on a shared machine; the ratios reported are the
# medians of the rounds' ratios.
$stdout.sync = true
require "net/http"
require "json"
require "twitchconduits"

TARGET = 1.15 # the binding's cost per call, as a multiple of C's (issue 11)
count = Integer(ARGV[0] || ENV.fetch("TC_BENCH_COUNT", "4500"))
concurrency = Integer(ARGV[1] || ENV.fetch("TC_BENCH_CONCURRENCY", "16"))
rounds = Integer(ARGV[2] || ENV.fetch("TC_BENCH_ROUNDS", "9"))
per_round = [count / rounds, 1].max
mock = IO.popen([ENV.fetch("TC_MOCK"), "--port", "0"], err: %i[child out])
url = mock.gets[%r{http://\S+}] or abort("tc-mock did not start")
Thread.new { mock.each_line { nil } }
at_exit { Process.kill("TERM", mock.pid) rescue nil }
Net::HTTP.post(URI("#{url}/_mock/config"), JSON.generate({ ratelimit_limit: 1_000_000 }),
               "Content-Type" => "application/json")
api = "#{url}/helix"
auth = "#{url}/oauth2"

def clock = Process.clock_gettime(Process::CLOCK_MONOTONIC)
def median(values) = values.sort[values.size / 2]

# One C run: [sequential_us, concurrent_us] per request.
run_c = lambda do
  line = IO.popen([ENV.fetch("TC_BENCH_C"), api, auth, per_round.to_s, concurrency.to_s], &:read)
  abort("bench_c_requests failed: #{line}") unless $?.success?
  [line[/sequential_us=([\d.]+)/, 1].to_f, line[/concurrent_us=([\d.]+)/, 1].to_f]
end

failures = 0
ratios = []
TwitchConduits::Client.open(client_id: "mockclientid0123456789abcdefghij",
                            client_secret: "mocksecret0123456789abcdefghijk",
                            api_base_url: api, auth_base_url: auth,
                            flags: TwitchConduits::Client::F_NO_PACING) do |client| # as bench_c_requests
  client.token
  20.times { client.request(:get, "/eventsub/conduits") } # warm-up

  sequential = lambda do
    t0 = clock
    per_round.times { failures += 1 unless client.request(:get, "/eventsub/conduits").http_status == 200 }
    (clock - t0) * 1e6 / per_round
  end

  concurrent = lambda do
    t0 = clock
    submitted = 0
    inflight = 0
    done = 0
    submit = lambda do
      while inflight < concurrency && submitted < per_round
        submitted += 1
        inflight += 1
        client.request_async(:get, "/eventsub/conduits") do |r, err|
          inflight -= 1
          done += 1
          failures += 1 if err || r.http_status != 200
          submit.call
        end
      end
    end
    submit.call
    client.poll(1) while done < per_round
    (clock - t0) * 1e6 / per_round
  end

  rounds.times do |i|
    c_seq, c_conc = run_c.call
    seq_us = sequential.call
    conc_us = concurrent.call
    ratios << [seq_us / c_seq, conc_us / c_conc]
    printf("round %d: c sequential_us=%.1f concurrent_us=%.1f | ruby sequential_us=%.1f concurrent_us=%.1f " \
           "| %.2fx %.2fx\n", i + 1, c_seq, c_conc, seq_us, conc_us, seq_us / c_seq, conc_us / c_conc)
  end
end

seq_ratio = median(ratios.map(&:first))
conc_ratio = median(ratios.map(&:last))
printf("ratio to C (median of %d rounds): sequential %.2fx, concurrent %.2fx [count=%d concurrency=%d] failures=%d\n",
       rounds, seq_ratio, conc_ratio, per_round * rounds, concurrency, failures)
worst = [seq_ratio, conc_ratio].max
printf("ruby per-call overhead: %.2fx C (target <= %.2fx%s)\n", worst, TARGET, worst <= TARGET ? ", met" : ", NOT MET")
exit(failures.zero? ? 0 : 1)

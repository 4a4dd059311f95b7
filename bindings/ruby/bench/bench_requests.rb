# frozen_string_literal: true

# Cost of one completed Helix request (GET /eventsub/conduits) through the
# Ruby binding vs. the same request from C, against one tc-mock, in one run.
#   TC_MOCK=.../tc-mock TC_BENCH_C=.../bench_c_requests ruby bench/bench_requests.rb [COUNT] [CONCURRENCY]
$stdout.sync = true
require "net/http"
require "json"
require "twitchconduits"

TARGET = 1.15 # the binding's cost per call, as a multiple of C's (issue 11)
count = Integer(ARGV[0] || ENV.fetch("TC_BENCH_COUNT", "2000"))
concurrency = Integer(ARGV[1] || ENV.fetch("TC_BENCH_CONCURRENCY", "16"))
mock = IO.popen([ENV.fetch("TC_MOCK"), "--port", "0"], err: %i[child out])
url = mock.gets[%r{http://\S+}] or abort("tc-mock did not start")
Thread.new { mock.each_line { nil } }
at_exit { Process.kill("TERM", mock.pid) rescue nil }
Net::HTTP.post(URI("#{url}/_mock/config"), JSON.generate({ ratelimit_limit: 1_000_000 }),
               "Content-Type" => "application/json")
api = "#{url}/helix"
auth = "#{url}/oauth2"

c_line = IO.popen([ENV.fetch("TC_BENCH_C"), api, auth, count.to_s, concurrency.to_s], &:read)
c_seq = c_line[/sequential_us=([\d.]+)/, 1].to_f
c_conc = c_line[/concurrent_us=([\d.]+)/, 1].to_f
puts "c:    #{c_line.strip}"

def clock = Process.clock_gettime(Process::CLOCK_MONOTONIC)

failures = 0
TwitchConduits::Client.open(client_id: "mockclientid0123456789abcdefghij",
                            client_secret: "mocksecret0123456789abcdefghijk",
                            api_base_url: api, auth_base_url: auth) do |client|
  client.token
  20.times { client.request(:get, "/eventsub/conduits") } # warm-up

  t0 = clock
  count.times { failures += 1 unless client.request(:get, "/eventsub/conduits").http_status == 200 }
  seq_us = (clock - t0) * 1e6 / count

  t0 = clock
  submitted = 0
  inflight = 0
  done = 0
  submit = lambda do
    while inflight < concurrency && submitted < count
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
  client.poll(1) while done < count
  conc_us = (clock - t0) * 1e6 / count

  printf("ruby: sequential_us=%.1f concurrent_us=%.1f failures=%d\n", seq_us, conc_us, failures)
  printf("ratio to C: sequential %.2fx (+%.1f us/request), concurrent %.2fx (+%.1f us/request) " \
         "[count=%d concurrency=%d]\n", seq_us / c_seq, seq_us - c_seq, conc_us / c_conc, conc_us - c_conc,
         count, concurrency)
  worst = [seq_us / c_seq, conc_us / c_conc].max
  printf("ruby per-call overhead: %.2fx C (target <= %.2fx%s)\n", worst, TARGET, worst <= TARGET ? ", met" : ", NOT MET")
end
exit(failures.zero? ? 0 : 1)

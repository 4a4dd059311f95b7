# frozen_string_literal: true

require "minitest"
require "net/http"
require "json"
require "timeout"
require "twitchconduits"

# One tc-mock process for the whole run (path from $TC_MOCK), reset before
# every test.
module MockServer
  CLIENT_ID = "mockclientid0123456789abcdefghij"
  CLIENT_SECRET = "mocksecret0123456789abcdefghijk"

  class << self
    attr_reader :url

    def start
      return if @url

      path = ENV.fetch("TC_MOCK") { raise "set TC_MOCK to the tc-mock executable" }
      @io = IO.popen([path, "--port", "0"], err: %i[child out])
      line = Timeout.timeout(10) { @io.gets } or raise "tc-mock did not start"
      @url = line[%r{http://\S+}] or raise "unexpected tc-mock output: #{line}"
      Thread.new { @io.each_line { nil } rescue nil } # keep its output drained
      pid = @io.pid
      at_exit do
        Process.kill("TERM", pid)
        Process.wait(pid)
      rescue StandardError
        nil
      end
    end

    # POST (body given) or GET /_mock/<path>; returns [status, parsed body].
    def control(path, body = nil)
      uri = URI("#{@url}/_mock/#{path}")
      res = Net::HTTP.start(uri.host, uri.port, read_timeout: 30) do |h|
        body.nil? ? h.get(uri.path) : h.post(uri.path, JSON.generate(body), "Content-Type" => "application/json")
      end
      [res.code.to_i, res.body.to_s.empty? ? nil : JSON.parse(res.body)]
    end

    def control!(path, body = nil)
      status, json = control(path, body)
      raise "mock #{path}: #{status} #{json.inspect}" unless status.between?(200, 299)

      json
    end

    def stats = control!("stats")
  end
end

# A Rack app served over a real socket by WEBrick (the rack gem is not needed).
module RackServer
  def self.serve(app)
    require "webrick"
    server = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: 0, Logger: WEBrick::Log.new(File::NULL),
                                     AccessLog: [])
    server.mount_proc("/") do |req, res|
      env = { "REQUEST_METHOD" => req.request_method, "PATH_INFO" => req.path,
              "QUERY_STRING" => req.query_string.to_s, "rack.input" => StringIO.new(req.body.to_s.b),
              "rack.errors" => $stderr }
      req.each do |k, v|
        key = k.upcase.tr("-", "_")
        env[%w[CONTENT_TYPE CONTENT_LENGTH].include?(key) ? key : "HTTP_#{key}"] = v
      end
      status, headers, body = app.call(env)
      res.status = status
      headers.each { |k, v| res[k] = v unless k.downcase == "content-length" }
      res.body = +""
      body.each { |chunk| res.body << chunk }
    end
    thread = Thread.new { server.start }
    [server, thread, "http://127.0.0.1:#{server.config[:Port]}"]
  end
end

MockServer.start

class TCTest < Minitest::Test
  TC = TwitchConduits

  def setup
    MockServer.control!("reset", {})
    MockServer.control!("config", { "latency_ms" => 0, "allow_http_callbacks" => false, "page_size" => 100 })
    @clients = []
  end

  def teardown
    @clients.each(&:close)
  end

  def client(**options)
    c = TC::Client.new(client_id: MockServer::CLIENT_ID, client_secret: MockServer::CLIENT_SECRET,
                       api_base_url: "#{MockServer.url}/helix", auth_base_url: "#{MockServer.url}/oauth2", **options)
    @clients << c
    c
  end

  # Wait for a condition with a deadline, checking it after each step (the
  # given client's poll, else a short pause).
  def wait_until(what, timeout: 10, client: nil)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    until (v = yield)
      flunk "timed out waiting for #{what}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      client ? client.poll(0.05) : sleep(0.02)
    end
    v
  end

  def spec(type, user) = { type: type, version: "1", condition: { broadcaster_user_id: user } }
end

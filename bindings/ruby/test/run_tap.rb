# frozen_string_literal: true

# Runs every test_*.rb here with minitest and prints TAP: the plan ("1..N")
# first, then "ok N - name" / "not ok N - name" with the failure as "#"
# comments. Exits non-zero when a test failed. Used by meson (protocol: tap).
$stdout.sync = true
require "minitest"

module Minitest
  # The TAP reporter; replaces minitest's progress and summary output.
  class TapReporter < AbstractReporter
    def initialize(io)
      super()
      @io = io
      @n = 0
      @failed = 0
    end

    def record(result)
      @n += 1
      name = "#{result.klass}##{result.name}"
      if result.skipped?
        @io.puts "ok #{@n} - #{name} # SKIP #{result.failure.message.lines.first&.strip}"
      elsif result.passed?
        @io.puts "ok #{@n} - #{name} (#{format('%.2f', result.time)}s)"
      else
        @failed += 1
        @io.puts "not ok #{@n} - #{name}"
        result.failures.each do |f|
          text = f.is_a?(UnexpectedError) ? "#{f.error.class}: #{f.error.message}\n#{f.error.backtrace&.first(8)&.join("\n")}" : f.message
          text.each_line { |l| @io.puts "# #{l.chomp}" }
          @io.puts "# at #{f.location}" unless f.is_a?(UnexpectedError)
        end
      end
    end

    def passed? = @failed.zero?
  end

  def self.plugin_tap_init(_options)
    reporter.reporters.clear
    reporter << TapReporter.new($stdout)
  end
end
Minitest.extensions << "tap"

Dir[File.join(__dir__, "test_*.rb")].sort.each { |f| require f }
plan = Minitest::Runnable.runnables.sum { |r| r.runnable_methods.size }
puts "1..#{plan}"
exit(Minitest.run(ARGV) ? 0 : 1)

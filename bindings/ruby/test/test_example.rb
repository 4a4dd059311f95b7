# frozen_string_literal: true

require_relative "helper"
require "open3"
require "socket"

# The examples run against the mock; against a server that is not there they
# exit non-zero and say why.
class TestExample < TCTest
  def run_example(name, url)
    Open3.capture3(RbConfig.ruby, File.expand_path("../examples/#{name}.rb", __dir__), url)
  end

  # A URL nothing listens on.
  def closed_port_url
    s = TCPServer.new("127.0.0.1", 0)
    port = s.addr[1]
    s.close
    "http://127.0.0.1:#{port}"
  end

  def test_workflow_example
    out, err, status = run_example("workflow", MockServer.url)
    assert status.success?, out + err
    assert_match(/deleted conduit/, out)
  end

  def test_subscribe_user_example
    out, err, status = run_example("subscribe_user", MockServer.url)
    assert status.success?, out + err
    assert_match(/the view holds 4 subscription\(s\) of user 1337/, out)
    assert_equal 4, out.scan(/created/).size
  end

  def test_examples_fail_loudly
    %w[workflow subscribe_user].each do |name|
      out, err, status = run_example(name, closed_port_url)
      refute status.success?, "#{name} exited 0:\n#{out}"
      assert_match(/#{name}: TC_ENETWORK .*(connect|refused)/i, err)
    end
  end
end

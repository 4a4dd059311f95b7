# frozen_string_literal: true

require_relative "helper"
require "open3"

# The README's workflow example runs against the mock.
class TestExample < TCTest
  def test_workflow_example
    script = File.expand_path("../examples/workflow.rb", __dir__)
    out, status = Open3.capture2e(RbConfig.ruby, script, MockServer.url)
    assert status.success?, out
    assert_match(/deleted conduit/, out)
  end
end

# frozen_string_literal: true

require_relative "helper"

# Every code block of bindings/ruby/README.md is exercised as written: the
# Ruby blocks are verbatim in an example the tests run (between its
# "---- README example ----" markers) or in lib/, the shell blocks are run
# by scripts/package-ruby.sh.
class TestReadme < TCTest
  ROOT = File.expand_path("..", __dir__)
  MARK_BEGIN = "# ---- README example ----"
  MARK_END = "# ---- end of README example ----"

  # [[language, lines]] of each fenced block.
  def blocks
    found = []
    current = nil
    File.readlines(File.join(ROOT, "README.md"), chomp: true).each do |line|
      if current.nil? && (m = line.match(/\A```(\S*)\z/))
        current = [m[1], []]
      elsif current && line == "```"
        found << current
        current = nil
      elsif current
        current[1] << line
      end
    end
    assert_nil current, "an unclosed code block in README.md"
    found
  end

  # The lines without their common indentation.
  def dedent(lines)
    width = lines.reject { |l| l.strip.empty? }.map { |l| l[/\A */].size }.min || 0
    lines.map { |l| l[width..] || "" }
  end

  # The marked excerpt of each example, dedented.
  def excerpts
    Dir[File.join(ROOT, "examples", "*.rb")].sort.to_h do |path|
      lines = File.readlines(path, chomp: true)
      first = lines.index { |l| l.strip == MARK_BEGIN }
      last = lines.index { |l| l.strip == MARK_END }
      assert first && last && first < last, "#{path} has no README example markers"
      [File.basename(path), dedent(lines[(first + 1)...last])]
    end
  end

  # True when the lines occur one after another in the file, with one
  # indentation added to all of them.
  def verbatim_in?(lines, path)
    text = File.readlines(path, chomp: true)
    (0..(text.size - lines.size)).any? { |i| dedent(text[i, lines.size]) == lines }
  end

  def test_every_block_is_sh_or_ruby
    kinds = blocks.map(&:first)
    assert_equal %w[sh], kinds.reject { |k| k == "ruby" }.uniq, "README blocks: #{kinds.inspect}"
  end

  def test_ruby_blocks_are_verbatim_in_code_that_runs
    examples = excerpts
    lib = Dir[File.join(ROOT, "lib", "**", "*.rb")]
    blocks.select { |k, _| k == "ruby" }.each do |_, lines|
      lines = dedent(lines)
      next if examples.value?(lines)

      assert lib.any? { |f| verbatim_in?(lines, f) },
             "README block is not an example's marked excerpt nor in lib/:\n#{lines.join("\n")}"
    end
    # And every example's excerpt is shown: the README cannot drift from it.
    examples.each do |name, lines|
      assert blocks.any? { |k, b| k == "ruby" && dedent(b) == lines }, "#{name}'s README example is not in README.md"
    end
  end

  def test_examples_are_the_ones_test_example_runs
    assert_equal %w[subscribe_user.rb workflow.rb], excerpts.keys
  end

  def test_sh_blocks_are_the_install_commands_package_ruby_runs
    sh = blocks.select { |k, _| k == "sh" }.flat_map(&:last)
    assert_includes sh, "gem build twitchconduits.gemspec"
    assert(sh.any? { |l| l.start_with?("gem install --local") })
    script = File.read(File.expand_path("../../scripts/package-ruby.sh", ROOT))
    assert_match(%r{bindings/ruby/README\.md}, script)
    assert_includes script, "/^```sh$/"
  end

  # The reverse of the marked excerpt check: a failing check here means the
  # checker itself is broken.
  def test_checker_sees_a_difference
    lines = excerpts["workflow.rb"]
    refute_equal lines, dedent(lines.map { |l| l.sub("client.token", "client.token ") })
    refute verbatim_in?(["operation(:no_such_op) { }"], File.join(ROOT, "lib", "twitchconduits", "client.rb"))
    assert verbatim_in?(lines.first(2), File.join(ROOT, "examples", "workflow.rb"))
  end
end

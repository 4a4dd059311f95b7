#!/bin/sh
# The Ruby gem as a user gets it, against the INSTALLED library staged by
# scripts/check-install.sh BUILD STAGE (run that first):
# package-ruby.sh BUILD STAGE
#   1. runs the shell blocks of bindings/ruby/README.md as written (rake
#      vendor: swig writes the wrapper into ext/; gem build; gem install), in
#      a copy of bindings/ruby under STAGE, with pkg-config finding the staged
#      .pc and GEM_HOME a scratch dir under STAGE;
#   2. with only that scratch dir as GEM_HOME/GEM_PATH (no RUBYLIB) and the
#      staged libdir, runs the Ruby examples against the staged tc-mock and
#      checks the gem's files and the staged library were the ones loaded.
# Nothing generated is committed: the wrapper is made here by swig.
set -eu
build=$1
stage=$2
top=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$build" ] || { echo "package-ruby: no build dir $build" >&2; exit 1; }
pc=$(find "$stage" -name twitchconduits.pc 2>/dev/null | head -n 1)
[ -n "$pc" ] || { echo "package-ruby: no staged twitchconduits.pc in $stage (run scripts/check-install.sh $build $stage first)" >&2; exit 1; }
pcdir=$(dirname "$pc")
libdir=$(dirname "$(find "$stage" -name 'libtwitchconduits.so.0' | head -n 1)")
bindir=$(dirname "$(find "$stage" -name tc-mock -type f | head -n 1)")
work="$stage/ruby-package"
gem_home="$work/gems"
rm -rf "$work"
mkdir -p "$work/bindings" "$gem_home"

# The binding's tracked (and new, not ignored) files only: no wrapper,
# Makefile or .so left by an earlier build in the source tree.
echo "package-ruby: copying bindings/ruby to $work"
(cd "$top" && git ls-files --cached --others --exclude-standard -- bindings/ruby) | while read -r f; do
    [ -f "$top/$f" ] || continue
    mkdir -p "$work/$(dirname "$f")"
    cp "$top/$f" "$work/$f"
done

# Every ```sh block of the README, in order, as written.
blocks="$work/readme-blocks.sh"
awk '/^```sh$/ { inblock = 1; next } /^```/ { inblock = 0 } inblock' "$top/bindings/ruby/README.md" > "$blocks"
[ -s "$blocks" ] || { echo "package-ruby: no sh blocks in bindings/ruby/README.md" >&2; exit 1; }
echo "package-ruby: running the README's install commands:"
sed 's/^/    /' "$blocks"
(
    cd "$work"
    # GEM_HOME is where gem installs; the system's gems (rake) stay visible.
    export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" GEM_HOME="$gem_home" LD_LIBRARY_PATH="$libdir"
    unset GEM_PATH RUBYLIB RUBYOPT
    sh -eux "$blocks"
) > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; echo "package-ruby: the README's install commands failed" >&2; exit 1; }
installed=$(find "$gem_home/gems" -maxdepth 1 -name 'twitchconduits-*' | head -n 1)
[ -n "$installed" ] || { cat "$work/install.log" >&2; echo "package-ruby: the gem is not in $gem_home" >&2; exit 1; }
echo "package-ruby: installed $installed"
so=$(find "$installed" -name 'twitchconduits_native.so' | head -n 1)
[ -n "$so" ] || { echo "package-ruby: the gem has no twitchconduits_native.so" >&2; exit 1; }
# The extension was built against the staged library (its -L) and exports
# only its Init function.
LD_LIBRARY_PATH="$libdir" ldd "$so" | grep -q "$libdir/libtwitchconduits.so.0" \
    || { echo "package-ruby: $so does not resolve the staged libtwitchconduits" >&2; exit 1; }
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }')
[ "$exported" = Init_twitchconduits_native ] || { echo "package-ruby: $so exports: $exported" >&2; exit 1; }

. "$top/scripts/staged-mock.sh"
start_staged_mock "$libdir" "$bindir/tc-mock" "$work/mock.log"
base=$mock_base
echo "package-ruby: staged tc-mock at $base"

# Only the scratch GEM_HOME: nothing from the source tree or the system's gems.
run_ruby() {
    (cd "$work" && env -u RUBYLIB -u RUBYOPT GEM_HOME="$gem_home" GEM_PATH="$gem_home" LD_LIBRARY_PATH="$libdir" \
        ruby -w "$@")
}
run_ruby -e '
require "twitchconduits"
home = ENV.fetch("GEM_HOME")
spec = Gem.loaded_specs.fetch("twitchconduits") { abort "twitchconduits was not loaded as a gem" }
abort "gem loaded from #{spec.full_gem_path}, not #{home}" unless spec.full_gem_path.start_with?(home + "/")
ours = $LOADED_FEATURES.grep(/twitchconduits/)
stray = ours.reject { |f| f.start_with?(home + "/") }
abort "loaded from outside #{home}: #{stray.join(", ")}" unless stray.empty?
native = File.readlines("/proc/self/maps").map { |l| l.split[5] }.grep(/libtwitchconduits\.so/).uniq
abort "the library loaded is #{native.inspect}, not the staged one" unless native.size == 1 && native[0].start_with?(ARGV[0] + "/")
puts "package-ruby: twitchconduits #{TwitchConduits::VERSION} from #{spec.full_gem_path}, library #{native[0]}"
' "$libdir"
for example in "$top"/bindings/ruby/examples/*.rb; do
    echo "package-ruby: ruby $(basename "$example") $base"
    run_ruby "$example" "$base"
done
echo "package-ruby: gem OK"

# frozen_string_literal: true

# Builds twitchconduits_native.so from the SWIG wrapper of the C API,
# linking libtwitchconduits found with pkg-config.
#
# The wrapper is taken from this directory when vendored (a built gem), else
# generated here by swig from ../../twitchconduits.i and the library's
# headers.
require "mkmf"

here = __dir__

pkg_config("twitchconduits") or abort("libtwitchconduits not found: install it or set PKG_CONFIG_PATH " \
                                     "(e.g. <build>/meson-uninstalled)")

wrapper = File.join(here, "twitchconduits_wrap.c")
unless File.exist?(wrapper)
  swig = find_executable("swig4.0") || find_executable("swig") or abort("swig is needed to generate the wrapper")
  cflags = `pkg-config --cflags-only-I twitchconduits`.split
  system(swig, "-ruby", *cflags, "-o", wrapper, File.expand_path("../../twitchconduits.i", here)) or abort("swig failed")
end

$srcs = ["twitchconduits_wrap.c"]
$CFLAGS << " -fvisibility=hidden -std=gnu11"
create_makefile("twitchconduits_native")

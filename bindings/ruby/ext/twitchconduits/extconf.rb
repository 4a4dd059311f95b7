# frozen_string_literal: true

# Builds twitchconduits_native.so from the SWIG wrapper and the bridge
# (tcb.c), linking libtwitchconduits found with pkg-config.
#
# Sources are taken from this directory when vendored (a built gem), else
# from the source tree: the bridge in ../../../common and the wrapper
# generated here by swig if it is missing.
require "mkmf"

here = __dir__
common = File.expand_path("../../../common", here)
include_dir = File.expand_path("../../../../include", here)

pkg_config("twitchconduits") or abort("libtwitchconduits not found: install it or set PKG_CONFIG_PATH " \
                                     "(e.g. <build>/meson-uninstalled)")

wrapper = File.join(here, "twitchconduits_wrap.c")
unless File.exist?(wrapper)
  swig = find_executable("swig4.0") || find_executable("swig") or abort("swig is needed to generate the wrapper")
  cflags = `pkg-config --cflags-only-I twitchconduits`.split
  system(swig, "-ruby", "-I#{common}", "-I#{include_dir}", *cflags, "-o", wrapper,
         File.expand_path("../../twitchconduits.i", here)) or abort("swig failed")
end

bridge_dir = File.exist?(File.join(here, "tcb.c")) ? here : common
$INCFLAGS << " -I#{bridge_dir}"
$VPATH << bridge_dir
$srcs = ["twitchconduits_wrap.c", "tcb.c"]
$CFLAGS << " -fvisibility=hidden -std=gnu11"
create_makefile("twitchconduits_native")

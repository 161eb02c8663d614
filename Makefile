# SPDX-License-Identifier: MIT
# obs: non-recursive build of libobs-common, the obs-* tools and their tests.
#
#   make                 build everything into $(O)
#   make check           install missing packages, run every test
#   make demo            install missing packages, build, run the demo
#   make WERROR=1        warnings are errors
#   make SANITIZE=address,undefined check   sanitizer build (in build/san)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
SHAREDIR  ?= $(PREFIX)/share/obs
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

CC        ?= cc
PKG_CONFIG ?= pkg-config
ifeq ($(SANITIZE),)
O         ?= build
else
O         ?= build/san
endif

WARN      := -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow \
             -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla
ifeq ($(WERROR),1)
WARN      += -Werror
endif
CFLAGS    ?= -O2 -g
CPPFLAGS  += -D_GNU_SOURCE -DOBS_VERSION='"$(VERSION)"' -Ilib
LDFLAGS   ?=
ifneq ($(SANITIZE),)
CFLAGS    += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif
ifeq ($(COVERAGE),1)
CFLAGS    += --coverage -O0
LDFLAGS   += --coverage
endif

PKGS      := jansson yaml-0.1 zlib libpcre2-8
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS  := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
# libcurl costs ~7 ms at every process start: only the programs that send
# link it, through their <prog>_LIBS (obs_http.o is the only object using
# curl, and nothing else in the library refers to it, so the others never
# pull it out of the archive). Unit tests, helpers and fuzz targets always
# link it. <name>_LIBS also gives a test or helper its extra libraries.
CURL_LIBS := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
MHD_LIBS  := $(shell $(PKG_CONFIG) --libs libmicrohttpd gnutls 2>/dev/null)
# obs-metric-scrape is the HTTP half of `obs-metric scrape` (obs-metric runs
# it), so that obs-metric itself never loads libcurl; it shares the
# command helpers of obs-metric.
obs-metric-scrape_LIBS := $(CURL_LIBS)
obs-metric-scrape_EXTRA_SRC := cmd/obs-metric/metric_common.c
faultsrv_LIBS := $(MHD_LIBS)
SNAPPY_LIBS := $(shell $(PKG_CONFIG) --libs snappy 2>/dev/null || echo -lsnappy)
obs-export_LIBS := $(CURL_LIBS) $(SNAPPY_LIBS)
# obs_httpd.o (obs-export serve, and its unit test) uses libmicrohttpd.
obs-export_LIBS += $(MHD_LIBS)
test_httpd_LIBS := $(MHD_LIBS)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS)

# ---- library -------------------------------------------------------------
LIB_SRC   := $(sort $(wildcard lib/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(O)/%.o)
LIB       := $(O)/lib/libobs-common.a

# ---- binaries: every directory cmd/obs-*/ is one program ------------------
PROGS     := $(notdir $(wildcard cmd/obs-* cmd/obs))
BINS      := $(PROGS:%=$(O)/bin/%)
define prog_rules
$(1)_SRC := $$(sort $$(wildcard cmd/$(1)/*.c)) $$($(1)_EXTRA_SRC)
$(1)_OBJ := $$($(1)_SRC:%.c=$(O)/%.o)
$(O)/bin/$(1): $$($(1)_OBJ) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -Wl,--as-needed -o $$@ $$($(1)_OBJ) $(LIB) $(PKG_LIBS) $$($(1)_LIBS) -lm
endef
$(foreach p,$(PROGS),$(eval $(call prog_rules,$(p))))

# ---- unit tests ----------------------------------------------------------
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
TEST_HELPERS_SRC := $(sort $(wildcard tests/helpers/*.c))
TEST_HELPERS := $(TEST_HELPERS_SRC:tests/helpers/%.c=$(O)/tests/helpers/%)

all: $(BINS) $(UNIT_BINS) $(TEST_HELPERS)

$(O)/%.o: %.c $(wildcard lib/*.h) $(wildcard cmd/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(CURL_LIBS) $($*_LIBS) $(CMOCKA_LIBS) -lm

$(O)/tests/helpers/%: $(O)/tests/helpers/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(CURL_LIBS) $($*_LIBS) -lm

# ---- fuzz targets (clang + libFuzzer) -------------------------------------
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 10
# seconds per fuzz target in make check
CHECK_FUZZ_SECONDS ?= 5
FUZZ_CC   ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE -DOBS_VERSION='"$(VERSION)"' -Ilib $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o)

build/fuzz/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS) $(CURL_LIBS) $(MHD_LIBS) -lm

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
	  n=$$(basename $$f); corpus=tests/fuzz/corpus/$${n#fuzz_}; \
	  mkdir -p build/fuzz/work/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=0 \
	      build/fuzz/work/$$n $$( [ -d $$corpus ] && echo $$corpus ) \
	      >build/fuzz/work/$$n.log 2>&1 || { tail -n 40 build/fuzz/work/$$n.log; exit 1; }; \
	done

# ---- checks --------------------------------------------------------------
BATS      ?= bats
export OBS_BIN := $(abspath $(O)/bin)
export OBS_TEST_HELPERS := $(abspath $(O)/tests/helpers)

check: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory check-unit
	$(MAKE) --no-print-directory check-bats
	$(MAKE) --no-print-directory check-schema
	$(MAKE) --no-print-directory check-integration
ifeq ($(SANITIZE),)
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)
endif

check-unit: $(UNIT_BINS) $(TEST_HELPERS)
	@set -e; fail=0; for t in $(UNIT_BINS); do \
	  echo "unit: $$(basename $$t)"; $$t || fail=1; done; exit $$fail

check-bats: $(BINS) $(TEST_HELPERS)
	$(BATS) tests/bats

check-schema: $(BINS)
	tests/schema/validate.sh

check-integration: $(BINS) $(TEST_HELPERS)
	@if ls tests/integration/*.bats >/dev/null 2>&1; then $(BATS) tests/integration; fi

coverage:
	$(MAKE) --no-print-directory clean-coverage
	$(MAKE) --no-print-directory O=build/cov COVERAGE=1 all
	$(MAKE) --no-print-directory O=build/cov COVERAGE=1 check-unit check-bats
	lcov --quiet --capture --directory build/cov/lib --output-file build/cov/lib.info
	lcov --summary build/cov/lib.info

clean-coverage:
	rm -rf build/cov

demo: deps
	$(MAKE) --no-print-directory all
	OBS_BIN=$(abspath $(O)/bin) share/demo/demo.sh

bench: all
	bench/run.sh

# Debian packages needed to build and test; `make deps` installs the missing
# ones when run as root and prints the command otherwise.
DEB_PKGS  := gcc make pkg-config libjansson-dev libyaml-dev zlib1g-dev \
             libcurl4-openssl-dev libmicrohttpd-dev libjsmn-dev libcmocka-dev libpcre2-dev tzdata \
             bats bats-support \
             bats-assert jq python3 python3-jsonschema clang libclang-rt-14-dev \
             procps util-linux hyperfine zsh fish bash-completion \
             prometheus prometheus-node-exporter prometheus-pushgateway libsnappy-dev time
deps:
	@command -v dpkg-query >/dev/null || { echo "make deps: not a Debian system; install: $(DEB_PKGS)"; exit 0; }; \
	missing=$$(for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "make deps: missing packages; run:"; \
	  echo "  sudo apt-get install -y" $$missing; exit 1; \
	fi

# ---- install -------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SHAREDIR) \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	cp -R share/. $(DESTDIR)$(SHAREDIR)/
	for p in $(PROGS); do \
	  [ -f completions/$$p.bash ] && install -m 0644 completions/$$p.bash $(DESTDIR)$(BASHCOMPDIR)/$$p; \
	  [ -f completions/_$$p ] && install -m 0644 completions/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p; \
	  [ -f completions/$$p.fish ] && install -m 0644 completions/$$p.fish $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	  true; done

uninstall:
	for p in $(PROGS); do \
	  rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(MANDIR)/man1/$$p.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build

.PHONY: all check check-unit check-bats check-schema check-integration coverage \
        clean-coverage demo bench deps fuzz install uninstall clean
.SUFFIXES:
.SECONDARY:

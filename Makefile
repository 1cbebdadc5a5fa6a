# Xenon's top-level build. Meson and Ninja do the compiling; this file gives the
# README's commands: `make demo` (the main job) and `make check` (every test).

BUILD   := build/main
SAN     := build/san
FUZZ    := build/fuzz
MESON   := meson setup --fatal-meson-warnings

# make install: where the programs go (scripts/install says what goes where;
# /etc/xen stays /etc/xen). DESTDIR puts it all below a folder, for packaging.
PREFIX  ?= /usr/local

.PHONY: all deps build san fuzz check unit-check demo bench prepare install clean

all: build

deps:
	@scripts/deps

$(BUILD)/build.ninja: | deps
	@$(MESON) $(BUILD) >/dev/null

$(SAN)/build.ninja: | deps
	@$(MESON) $(SAN) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all >/dev/null

# The libFuzzer targets (tests/fuzz): clang, ASan + UBSan, and coverage for
# libFuzzer (meson takes no -fsanitize in its own files); only lib, xenstored,
# tests/fuzz and the VMM files its targets take are built there.
$(FUZZ)/build.ninja: | deps
	@CC=clang $(MESON) $(FUZZ) -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args='-fno-sanitize-recover=all -fsanitize=fuzzer-no-link' >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

san: deps $(SAN)/build.ninja
	@ninja -C $(SAN) --quiet

fuzz: deps $(FUZZ)/build.ninja
	@ninja -C $(FUZZ) --quiet

# The emulated host's kernel and initramfs, and the guest kit (cached in .cache).
prepare: deps
	@tools/emuhost prepare
	@tools/guestkit prepare

check: build san fuzz prepare
	@tests/run

demo: build prepare
	@scripts/demo

bench: build prepare
	@bench/run

install: deps
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install

clean:
	rm -rf build

# Xenon's top-level build. Meson and Ninja do the compiling; this file gives the
# README's commands: `make demo` (the main job) and `make check` (every test).

BUILD   := build/main
SAN     := build/san
MESON   := meson setup --fatal-meson-warnings

.PHONY: all deps build san check unit-check demo bench prepare clean

all: build

deps:
	@scripts/deps

$(BUILD)/build.ninja: | deps
	@$(MESON) $(BUILD) >/dev/null

$(SAN)/build.ninja: | deps
	@$(MESON) $(SAN) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

san: deps $(SAN)/build.ninja
	@ninja -C $(SAN) --quiet

# The emulated host's kernel and initramfs, and the guest kit (cached in .cache).
prepare: deps
	@tools/emuhost prepare
	@tools/guestkit prepare

check: build san prepare
	@tests/run

demo: build prepare
	@scripts/demo

bench: build prepare
	@bench/run

clean:
	rm -rf build

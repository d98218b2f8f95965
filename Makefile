# modeld — build, run and test on a Debian machine.
#   make run      install what is missing, build, run modeld in the foreground (paths under ./.run)
#   make demo     the same, offline: a local hub serving small demo models (paths under ./.run/demo)
#   make test     the same set-up, then every test
#   make install  binaries, units, config, the modeld user (as root)

SWIFT      ?= swift
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR    ?= /etc/systemd/system
RUN_DIR    := $(CURDIR)/.run

# C libraries the build links, and every tool the end-to-end tests drive.
BUILD_PACKAGES := libcurl4-openssl-dev libssl-dev libsystemd-dev libsqlite3-dev pkg-config
TEST_PACKAGES  := curl openssl git procps socat systemd util-linux python3 python3-venv
# The real Hugging Face client, each version in a venv of its own under .build, so the
# tests run the version named here whatever else the machine has installed: 2.4 (what
# `hf` is today) and 0.36 (what many diffusers installs still carry). The tests check
# that what modeld keeps is a cache they read, and that they can share it with modeld.
# Sources/ModeldTestSupport/HFCLI.swift names the same versions.
HF_VERSIONS := 2.4.0 0.36.2

APT_GET := apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build release run demo test deps test-deps install clean

all: build

# Installs only what is missing, waiting for another apt to let go of its lock.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) $(APT_GET) install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(BUILD_PACKAGES))

test-deps: deps
	$(call apt_install,$(TEST_PACKAGES))
	@for v in $(HF_VERSIONS); do \
		venv=.build/huggingface_hub-$$v; \
		[ "$$($$venv/bin/python -c 'import huggingface_hub; print(huggingface_hub.__version__)' 2>/dev/null)" = "$$v" ] && continue; \
		echo "installing huggingface_hub $$v in $$venv"; \
		rm -rf $$venv && python3 -m venv $$venv \
			&& $$venv/bin/pip install -q --disable-pip-version-check "huggingface_hub==$$v" || exit 1; \
	done

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	@mkdir -p $(RUN_DIR)
	@echo "modeld on ./.run — in another shell: export MODELD_SOCKET=$(RUN_DIR)/modeld.sock; .build/release/modelctl status"
	STATE_DIRECTORY=$(RUN_DIR) RUNTIME_DIRECTORY=$(RUN_DIR) .build/release/modeld --config Config/modeld.toml

# The demo hub (the test hub as a program) in the background, modeld in the foreground
# pointed at it; Ctrl-C stops both. HF_TOKEN=… (make demo HF_TOKEN=…) opens the gated twin.
demo: release
	@mkdir -p $(RUN_DIR)/demo
	@.build/release/modeld-demo-hub > $(RUN_DIR)/demo/hub.txt & hub=$$!; \
	trap 'kill $$hub 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 1 100); do grep -q '^HF_ENDPOINT=' $(RUN_DIR)/demo/hub.txt 2>/dev/null && break; sleep 0.1; done; \
	endpoint=$$(sed -n 's/^HF_ENDPOINT=//p' $(RUN_DIR)/demo/hub.txt); \
	[ -n "$$endpoint" ] || { echo "the demo hub did not start"; exit 1; }; \
	echo "demo hub on $$endpoint — in another shell: export MODELD_SOCKET=$(RUN_DIR)/demo/modeld.sock, then follow README.md's tour"; \
	$(if $(HF_TOKEN),HF_TOKEN=$(HF_TOKEN)) HF_ENDPOINT=$$endpoint STATE_DIRECTORY=$(RUN_DIR)/demo RUNTIME_DIRECTORY=$(RUN_DIR)/demo \
		.build/release/modeld --config Config/demo.toml

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

install: release
	install -D -m 0755 .build/release/modeld $(DESTDIR)$(PREFIX)/bin/modeld
	install -D -m 0755 .build/release/modelctl $(DESTDIR)$(PREFIX)/bin/modelctl
	install -D -m 0644 units/modeld.service $(DESTDIR)$(UNITDIR)/modeld.service
	install -D -m 0644 units/modeld.socket $(DESTDIR)$(UNITDIR)/modeld.socket
	install -D -m 0644 units/modeld.sysusers.conf $(DESTDIR)/usr/lib/sysusers.d/modeld.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/modeld/modeld.toml ] || install -D -m 0644 Config/modeld.toml $(DESTDIR)$(SYSCONFDIR)/modeld/modeld.toml
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/modeld/modeld.d
	install -d -m 0755 $(DESTDIR)/usr/share/bash-completion/completions
	.build/release/modelctl --generate-completion-script bash > $(DESTDIR)/usr/share/bash-completion/completions/modelctl
	@if [ -z "$(DESTDIR)" ]; then \
		systemd-sysusers /usr/lib/sysusers.d/modeld.conf || echo "create the user and groups by hand: useradd --system modeld; groupadd --system modeld-admin"; \
		systemctl daemon-reload 2>/dev/null || true; \
		echo "installed; start with: sudo systemctl enable --now modeld.socket modeld.service"; \
	fi

clean:
	rm -rf .build .run

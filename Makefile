# modeld — build, run and test on a Debian machine.
#   make run      install what is missing, build, run modeld in the foreground (paths under ./.run)
#   make demo     the same, offline: a local hub serving small demo models (paths under ./.run/demo)
#   make test     the same set-up, then every test
#   make install  binaries, units, config, completions, man pages, the modeld user (as root)
#   make man      regenerate Docs/man/*.1 from the commands' own help

SWIFT       ?= swift
PREFIX      ?= /usr/local
SYSCONFDIR  ?= /etc
UNITDIR     ?= /etc/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
DATADIR     ?= $(PREFIX)/share
# What `make install` installs: the release build, made first; PRODUCTS=DIR installs the
# modeld and modelctl already built in DIR instead, and builds nothing (the install test).
PRODUCTS    ?=
RUN_DIR     := $(CURDIR)/.run

# C libraries the build links, and every tool the end-to-end tests drive.
BUILD_PACKAGES := libcurl4-openssl-dev libssl-dev libsystemd-dev libsqlite3-dev pkg-config
# nginx: the site mirror's tests (Deploy/mirror/nginx); ansible-core and python3-yaml: the
# fleet examples' (Deploy/ansible, Deploy/kubernetes); prometheus: for promtool (Debian ships
# it in that package), which checks the exposition and tests Deploy/prometheus/'s alert
# rules. Its service is not started by the tests.
TEST_PACKAGES  := curl openssl git procps socat systemd util-linux python3 python3-venv make groff-base \
	ca-certificates nginx ansible-core python3-yaml prometheus
# The real Hugging Face client, each version in a venv of its own under .build, so the
# tests run the version named here whatever else the machine has installed: 2.4 (what
# `hf` is today) and 0.36 (what many diffusers installs still carry). The tests check
# that what modeld keeps is a cache they read, and that they can share it with modeld.
# Sources/ModeldTestSupport/HFCLI.swift names the same versions.
HF_VERSIONS := 2.4.0 0.36.2
# olah, the self-hosted hub mirror Deploy/mirror/olah configures, in a venv of its own the
# same way, for OlahMirrorTests (Docs/fleet.md).
OLAH_VERSION := 0.5.4

APT_GET := apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build release run demo test deps test-deps install man clean

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
	@venv=.build/olah-$(OLAH_VERSION); \
	if [ "$$($$venv/bin/python -c 'from importlib.metadata import version; print(version("olah"))' 2>/dev/null)" != "$(OLAH_VERSION)" ]; then \
		echo "installing olah $(OLAH_VERSION) in $$venv"; \
		rm -rf $$venv && python3 -m venv $$venv \
			&& $$venv/bin/pip install -q --disable-pip-version-check "olah==$(OLAH_VERSION)" || exit 1; \
	fi

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

# Into DESTDIR (a staging root; empty: this machine) under PREFIX, SYSCONFDIR, UNITDIR.
# Run again over an installed modeld, it replaces what is modeld's and keeps what is the
# admin's: an existing modeld.toml is never overwritten (a changed default goes beside it
# as modeld.toml.new), modeld.d/ and the state directory (/var/lib/modeld, systemd's
# StateDirectory=) are never touched. The root-only steps, creating the modeld user and
# groups when missing and `systemctl daemon-reload` when systemd runs, are skipped when
# DESTDIR is set: they belong to the machine, not to a staging root.
INSTALL_FROM := $(or $(PRODUCTS),.build/release)
CONFIG_FILE  := $(DESTDIR)$(SYSCONFDIR)/modeld/modeld.toml
COMPLETIONS  := $(DESTDIR)$(DATADIR)/bash-completion/completions $(DESTDIR)$(DATADIR)/zsh/site-functions $(DESTDIR)$(DATADIR)/fish/vendor_completions.d

install: $(if $(PRODUCTS),,release)
	install -D -m 0755 $(INSTALL_FROM)/modeld $(DESTDIR)$(PREFIX)/bin/modeld
	install -D -m 0755 $(INSTALL_FROM)/modelctl $(DESTDIR)$(PREFIX)/bin/modelctl
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/man/man1 $(COMPLETIONS) $(DESTDIR)$(SYSCONFDIR)/modeld/modeld.d
	@# The units name the binary and the config where this install puts them.
	for unit in modeld.service modeld.socket; do \
		sed -e 's|/usr/local/bin/|$(PREFIX)/bin/|g' -e 's|/etc/modeld/|$(SYSCONFDIR)/modeld/|g' units/$$unit > $(DESTDIR)$(UNITDIR)/$$unit.new \
			&& chmod 0644 $(DESTDIR)$(UNITDIR)/$$unit.new && mv -f $(DESTDIR)$(UNITDIR)/$$unit.new $(DESTDIR)$(UNITDIR)/$$unit || exit 1; \
	done
	install -D -m 0644 units/modeld.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/modeld.conf
	for tool in modeld modelctl; do \
		$(INSTALL_FROM)/$$tool --generate-completion-script bash > $(DESTDIR)$(DATADIR)/bash-completion/completions/$$tool \
			&& $(INSTALL_FROM)/$$tool --generate-completion-script zsh > $(DESTDIR)$(DATADIR)/zsh/site-functions/_$$tool \
			&& $(INSTALL_FROM)/$$tool --generate-completion-script fish > $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$tool.fish \
			&& install -m 0644 Docs/man/$$tool.1 $(DESTDIR)$(DATADIR)/man/man1/$$tool.1 || exit 1; \
	done
	@if [ ! -e $(CONFIG_FILE) ]; then \
		install -m 0644 Config/modeld.toml $(CONFIG_FILE) && echo "installed $(CONFIG_FILE)"; \
	elif ! cmp -s Config/modeld.toml $(CONFIG_FILE); then \
		install -m 0644 Config/modeld.toml $(CONFIG_FILE).new \
			&& echo "kept your $(CONFIG_FILE); this version's default is beside it: diff $(CONFIG_FILE) $(CONFIG_FILE).new"; \
	fi
	@if [ -n "$(DESTDIR)" ]; then \
		echo "installed under $(DESTDIR); the modeld user and systemctl daemon-reload are left to the install on the machine"; \
		exit 0; \
	fi; \
	if ! getent passwd modeld >/dev/null || ! getent group modeld-admin >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/modeld.conf || { echo "create the user and groups by hand: useradd --system --user-group modeld; groupadd --system modeld-admin"; exit 1; }; \
	fi; \
	if [ -d /run/systemd/system ]; then \
		systemctl daemon-reload || exit 1; \
		if systemctl is-active --quiet modeld.service; then echo "installed; the running modeld is the old one until: sudo systemctl restart modeld"; exit 0; fi; \
	fi; \
	echo "installed; start with: sudo systemctl enable --now modeld.socket modeld.service"

# The pages are ArgumentParser's generate-manual plugin's, from the commands' own help. They
# are kept in the project so that `make install` (and its test, inside `swift test`) never
# runs SwiftPM for them; a test fails when they fall behind the commands.
man: deps
	$(SWIFT) package plugin generate-manual --configuration debug
	install -m 0644 .build/plugins/GenerateManual/outputs/modeld/modeld.1 .build/plugins/GenerateManual/outputs/modelctl/modelctl.1 Docs/man/

clean:
	rm -rf .build .run

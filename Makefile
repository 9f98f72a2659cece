# openkreis — two commands: `make run` (demo on SQLite) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install assets migrate demo test test-pg test-sqlite lint bench clean

$(STAMP): pyproject.toml package.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) assets

assets: node_modules/.installed
	mkdir -p openkreis/static/vendor
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js \
	   node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css \
	   node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js.map \
	   node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css.map \
	   openkreis/static/vendor/
	mkdir -p openkreis/static/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map \
	   node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images \
	   node_modules/leaflet/LICENSE openkreis/static/vendor/leaflet/
	mkdir -p openkreis/static/vendor/jsqr
	cp node_modules/jsqr/dist/jsQR.js node_modules/jsqr/LICENSE openkreis/static/vendor/jsqr/

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

migrate: install
	mkdir -p var
	DJANGO_SETTINGS_MODULE=openkreis.settings.dev $(PY) manage.py migrate --noinput

demo: migrate
	DJANGO_SETTINGS_MODULE=openkreis.settings.dev $(PY) manage.py load_tenant harz --demo

run: demo
	@echo "openkreis serves on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	DJANGO_SETTINGS_MODULE=openkreis.settings.dev $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check openkreis bench tests
	$(VENV)/bin/ruff format --check openkreis bench tests

bench: install
	bash scripts/bench.sh

clean:
	rm -rf var node_modules openkreis/static/vendor

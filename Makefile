# yarn-elastic: `make demo` runs the main job, `make test` runs every test.
# Each target installs what it needs: a Python venv in .venv and the Maven build.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.pyspark-installed
SHIM_JAR := java-shim/target/yarn-elastic-shim-0.1.0.jar
HADOOP_STAMP := build/hadoop/.installed
MVN := mvn -q -B
PYSPARK_VERSION := 4.0.1

.PHONY: all venv shim hadoop spark lint unit-test java-test integration-test test demo bench bench-elastic reliability simulate clean help

help:
	@echo "make demo   build everything, start a local YARN cluster with the core, run jobs, stop it"
	@echo "make test   run all tests (lint, Python unit/property, Java, integration with real YARN)"
	@echo "make bench  run the benchmarks and update benchmarks/results/"
	@echo "make simulate  compare the six schedulers on elasecutor-mix (writes build/simulate/)"
	@echo "make bench-elastic  stock CapacityScheduler vs yarn-elastic on a real local cluster (about 2 h)"
	@echo "make reliability  auth probe, fuzzing, core kills and an RM restart, agent outages (about 1 h)"

all: venv shim hadoop

venv: $(VENV_STAMP)
$(VENV_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

spark: $(SPARK_STAMP)
$(SPARK_STAMP): $(VENV_STAMP)
	$(BIN)/pip install -q pyspark==$(PYSPARK_VERSION)
	touch $@

shim: $(SHIM_JAR)
$(SHIM_JAR): java-shim/pom.xml $(shell find java-shim/src/main -name '*.java' 2>/dev/null)
	$(MVN) -f java-shim/pom.xml -DskipTests package

hadoop: $(HADOOP_STAMP)
$(HADOOP_STAMP): java-shim/hadoop-runtime.xml
	rm -rf build/hadoop/lib
	$(MVN) -f java-shim/hadoop-runtime.xml dependency:copy-dependencies \
	    -DoutputDirectory=$(CURDIR)/build/hadoop/lib
	touch $@

lint: venv
	$(BIN)/ruff check plugin nodemanager-agent tests benchmarks
	$(BIN)/mypy

unit-test: venv
	$(BIN)/pytest -m "not integration" tests

java-test:
	$(MVN) -f java-shim/pom.xml test

integration-test: venv spark shim hadoop
	$(BIN)/pytest -m integration tests

test: venv spark shim hadoop lint java-test
	$(BIN)/pytest tests

demo: venv spark shim hadoop
	$(BIN)/yarn-elastic demo

bench: venv shim hadoop
	$(BIN)/python -m benchmarks.run_all

bench-elastic: venv spark shim hadoop
	$(BIN)/python -m benchmarks.elastic.run

reliability: venv spark shim hadoop
	$(BIN)/python -m benchmarks.reliability.auth_probe
	$(BIN)/python -m benchmarks.reliability.fuzz --java
	$(BIN)/python -m benchmarks.reliability.chaos
	$(BIN)/python -m benchmarks.reliability.agent_outage

simulate: venv
	$(BIN)/yarn-elastic simulate elasecutor-mix --out build/simulate

clean:
	rm -rf build java-shim/target $(VENV)

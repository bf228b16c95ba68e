"""A local, real YARN cluster for `yarn-elastic demo` and the integration tests.

It starts a Hadoop 3.4.1 ResourceManager and NodeManagers of unequal sizes as separate JVMs
from the jars `make hadoop` resolves, runs DistributedShell and PySpark applications on it, and
records from the RM's REST API which node each container landed on. The scheduler class and
extra RM classpath are parameters, so the same harness runs stock CapacityScheduler or the
yarn-elastic shim.
"""

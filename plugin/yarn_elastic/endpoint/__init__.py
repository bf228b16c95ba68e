"""The core's edges toward the shim: the exchange service and the Py4J server around it."""

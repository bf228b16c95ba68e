"""yarn-elastic NodeManager agent: measures every container's process tree and reports it."""

__version__ = "0.1.0"

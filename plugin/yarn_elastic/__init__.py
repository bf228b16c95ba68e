"""yarn-elastic core: elastic, prediction-driven container scheduling for Hadoop YARN."""

__version__ = "0.1.0"

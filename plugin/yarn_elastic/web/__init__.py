"""The core's HTTP edge: one small router that the usage depository and the estimator share."""

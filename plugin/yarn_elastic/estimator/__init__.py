"""A service compatible with Hadoop's Resource Estimator (hadoop-tools/hadoop-resourceestimator).

It turns logs of past runs of a recurring pipeline into resource skylines (the translator),
keeps them in the depository's SQLite database (the skyline store), predicts the next run's
skyline with the Morpheus LP (the solver), and serves all of it on Hadoop's REST paths.

Pure parts: `skyline` (step functions), `translator` (log lines -> skylines), `solver` (the
LP model), `serde` (JSON shapes). Edges: `store` (SQLite), `service` (reads log files),
`http` (routes on the core's router). See docs/estimator.md for the differences from Hadoop.
"""

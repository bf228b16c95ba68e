"""Demand-curve prediction: what a container of a recurring job will use, slot by slot.

Pure parts: `signature` (which runs are "the same job"), `runs` (role curves of one run),
`predictors` and `lp_skyline` (history-based predictors), `xgb_curves` (a model for settings
never seen) and `anchored` (a seen sibling setting rescaled by it), `bands` (calibrated upper
bands), `metrics` and `selector` (which predictor to trust for a signature, and why). Edges:
`history` (reads the usage depository), `model_store` (models on disk, metadata in the
depository database), `recorder` (learns from every application that finishes). See
docs/prediction.md.
"""

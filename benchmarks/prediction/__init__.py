"""Prediction benchmark (issue 4 item 5): `python -m benchmarks.prediction.run`."""

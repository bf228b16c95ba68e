"""Simulator support scripts: `python -m benchmarks.simulator.build_curve_library`."""

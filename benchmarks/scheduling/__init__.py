"""Issue 2's benchmarks: one scheduling cycle end to end, and allocation throughput."""

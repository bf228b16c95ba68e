"""Generated inputs for every external input of yarn-elastic (issue 10 item 4), one module per
input family; `benchmarks/reliability/fuzz.py` runs them all, tests/unit/fuzz a few hundred each."""

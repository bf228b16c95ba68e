"""A trace-driven cluster simulator that drives the live scheduling code.

`workload` is the input format (`yarn-elastic-workload/1`), `engine` steps a modelled cluster
slot by slot, `schedulers` holds the policies compared (the `elastic` one is the live core's
`schedule()` over predicted curves), `bound` the fluid lower bound on makespan, `outputs` what a
run writes. docs/simulator.md states the model's semantics.
"""

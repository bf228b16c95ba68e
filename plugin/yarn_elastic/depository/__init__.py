"""The resource usage depository (RUD): per-container usage curves reported by the agents.

`report` (the wire format and its validation) and `downsample` are pure; `store` (SQLite),
`service` and `http` are the edges. See docs/depository.md.
"""

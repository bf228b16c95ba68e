"""Dominant remaining resource (DRR), the Elasecutor packing metric, over prefix integrals.

    theta(i, j) = max_r  int_0^t* (AR_j^r(t) - RD_i^r(t)) dt  /  int_0^t* C_j^r(t) dt

AR_j is node j's available curve, RD_i the candidate's demand and C_j the capacity, all from
now (slot 0). t* is the earliest predicted finish among the containers on j *including the
candidate*; if nothing finishes within the horizon H, t* = H. With flat curves this is
max_r (free_r - d_r) / cap_r. A resource with no capacity on the node, or one the cycle does not
score (see `Tables.scored`), is left out of the max.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yarn_elastic.scheduling.tables import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class DrrColumns:
    """What theta reads of a node and the candidates for one node finish: each candidate's
    t*, its demand's integral up to it, and the capacity's. Only a placement that brings the
    node's finish forward changes them, so a packer may keep them between its turns."""

    t_star: IntArray  # (U,)
    at_horizon: bool  # every t* is H: one column for everyone
    demand_at: FloatArray  # (U, 4)
    total: FloatArray  # (U, 4)


def drr_columns(cum_capacity: FloatArray, node_finish: int, cum_demand: FloatArray,
                candidate_finish: IntArray) -> DrrColumns:
    horizon = cum_capacity.shape[-1] - 1
    t_star = np.clip(np.minimum(candidate_finish, node_finish), 1, horizon)
    if np.all(t_star == horizon):
        # The usual case (flat curves, nothing predicted to end): one column for everyone.
        demand_at = cum_demand[:, :, horizon]
        return DrrColumns(t_star, True, demand_at,
                          np.broadcast_to(cum_capacity[:, horizon], demand_at.shape))
    return DrrColumns(t_star, False, cum_demand[np.arange(len(t_star)), :, t_star],
                      cum_capacity[:, t_star].T)


def drr_scores(columns: DrrColumns, cum_available: FloatArray, scored: BoolArray
               ) -> FloatArray:
    """theta for every candidate on a node whose available curve's prefix integral is
    `cum_available` (4, H + 1)."""
    if columns.at_horizon:
        remaining = cum_available[:, cum_available.shape[-1] - 1] - columns.demand_at
    else:
        remaining = cum_available[:, columns.t_star].T - columns.demand_at
    return max_ratio(remaining, columns.total, scored)


def drr_after_placement(
    cum_available: FloatArray,
    cum_capacity: FloatArray,
    node_finish: int,
    cum_demand: FloatArray,
    candidate_finish: IntArray,
    scored: BoolArray,
) -> FloatArray:
    """theta for every candidate, as if it alone were placed on the node next.

    cum_available, cum_capacity: (4, H + 1) prefix integrals of the node's curves;
    cum_demand: (U, 4, H + 1); candidate_finish: (U,) slots, H when the demand never ends;
    scored: (4,) the resources that take part in the max.
    """
    columns = drr_columns(cum_capacity, node_finish, cum_demand, candidate_finish)
    return drr_scores(columns, cum_available, scored)


def node_drr(
    cum_available: FloatArray, cum_capacity: FloatArray, node_finish: int, scored: BoolArray
) -> float:
    """theta of a node as it stands, up to the earliest finish on it."""
    horizon = cum_available.shape[-1] - 1
    t_star = min(max(node_finish, 1), horizon)
    ratios = max_ratio(cum_available[None, :, t_star], cum_capacity[None, :, t_star], scored)
    return float(ratios[0])


def max_ratio(remaining: FloatArray, total: FloatArray, scored: BoolArray) -> FloatArray:
    """max over the last axis (resources) of remaining / total, skipping unscored or empty."""
    usable = (total > 0) & scored
    ratio = np.divide(remaining, total, out=np.zeros_like(remaining), where=usable)
    result: FloatArray = ratio.max(axis=-1)
    return result

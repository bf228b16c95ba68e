/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The permission CapacityScheduler asks before it places a container, answered from the
 * core's latest plan.
 *
 * <p>RM threads (the scheduler's allocation and event threads) call {@link #permits} and
 * {@link #allocated} inside CapacityScheduler's locks, so both answer from volatile fields and
 * never wait. Only the cycle thread ({@link CoreSession}) moves the gate between its states:
 * <ul>
 *   <li>open: the core is away; every placement is permitted, as stock CapacityScheduler;</li>
 *   <li>engaged: the core is connected; a container goes only where the plan names, and
 *   nowhere until the first plan arrives. A plan older than
 *   {@code yarn.elastic.plan.ttl-ms} opens the gate again until the next one.</li>
 * </ul>
 */
final class PlanGate implements PlacementGate {

  private static final Logger LOG = LoggerFactory.getLogger(PlanGate.class);

  private final long planTtlMs;
  private final Clock clock;
  private final ElasticSchedulerMetrics metrics;
  /** Told when a plan entry is used up: the ask may want more, so the next cycle runs early. */
  private final Runnable planSpent;

  private volatile boolean engaged;
  private volatile Plan plan;
  /** The seq of the last plan logged as stale: RM threads race to log it, one wins per plan. */
  private final AtomicLong staleLogged = new AtomicLong(-1);

  PlanGate(long planTtlMs, Clock clock, ElasticSchedulerMetrics metrics, Runnable planSpent) {
    this.planTtlMs = planTtlMs;
    this.clock = clock;
    this.metrics = metrics;
    this.planSpent = planSpent;
  }

  /** The core connected: hold every placement until its first plan. */
  void engage() {
    plan = null;
    engaged = true;
  }

  void install(Plan next) {
    plan = next;
  }

  /** The core is away: stock scheduling. */
  void open() {
    engaged = false;
    plan = null;
  }

  boolean isEngaged() {
    return engaged;
  }

  @Override
  public boolean permits(String askKey, String nodeId) {
    if (!engaged) {
      return true;
    }
    Plan current = plan;
    if (current == null) {
      metrics.gateDenials.incrementAndGet();
      return false; // connected, first plan on its way: wait one cycle rather than guess
    }
    if (clock.nowMs() - current.createdMs() > planTtlMs) {
      long last = staleLogged.get();
      if (last != current.seq() && staleLogged.compareAndSet(last, current.seq())) {
        LOG.warn("yarn-elastic plan of cycle {} is older than {} ms; stock scheduling until a"
            + " new plan arrives", current.seq(), planTtlMs);
      }
      return true;
    }
    if (current.check(askKey, nodeId) == Plan.Verdict.PERMITTED) {
      return true;
    }
    metrics.gateDenials.incrementAndGet();
    return false;
  }

  @Override
  public void allocated(String askKey, String nodeId) {
    Plan current = engaged ? plan : null;
    int left = current == null ? -1 : current.consume(askKey, nodeId);
    if (left >= 0) {
      metrics.plannedAllocations.incrementAndGet();
      LOG.debug("allocated {} on {} as planned in cycle {}", askKey, nodeId, current.seq());
      if (left == 0) {
        planSpent.run();
      }
    } else {
      metrics.fallbackAllocations.incrementAndGet();
    }
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The core's latest decisions as permissions: containers of ask A may be allocated on node X,
 * at most n of them. A plan replaces the previous one whole; it is read by the scheduler's
 * allocation threads and written by the cycle thread, so it is immutable but for its counters.
 */
public final class Plan {

  /** Why a plan allowed or refused an allocation; kept small so the gate stays cheap. */
  public enum Verdict { PERMITTED, NOT_IN_PLAN, USED_UP }

  private final long seq;
  private final long createdMs;
  private final Map<String, Map<String, AtomicInteger>> remaining;
  private final int entries;

  Plan(long seq, long createdMs, Map<String, Map<String, Integer>> placements) {
    this.seq = seq;
    this.createdMs = createdMs;
    Map<String, Map<String, AtomicInteger>> copy = new HashMap<>();
    int count = 0;
    for (Map.Entry<String, Map<String, Integer>> ask : placements.entrySet()) {
      Map<String, AtomicInteger> nodes = new HashMap<>();
      for (Map.Entry<String, Integer> node : ask.getValue().entrySet()) {
        nodes.put(node.getKey(), new AtomicInteger(node.getValue()));
        count++;
      }
      copy.put(ask.getKey(), Collections.unmodifiableMap(nodes));
    }
    this.remaining = Collections.unmodifiableMap(copy);
    this.entries = count;
  }

  /** The plan a cycle reply describes; several placements of one ask on one node add up. */
  public static Plan of(long seq, long createdMs, List<MessageCodec.Placement> placements) {
    Map<String, Map<String, Integer>> permissions = new HashMap<>();
    for (MessageCodec.Placement placement : placements) {
      permissions.computeIfAbsent(placement.ask, k -> new HashMap<>())
          .merge(placement.node, placement.count, Integer::sum);
    }
    return new Plan(seq, createdMs, permissions);
  }

  public static String askKey(String applicationId, int priority, long allocationRequestId) {
    return applicationId + "#" + priority + "#" + allocationRequestId;
  }

  public long seq() {
    return seq;
  }

  public long createdMs() {
    return createdMs;
  }

  public int entries() {
    return entries;
  }

  public Verdict check(String askKey, String nodeId) {
    AtomicInteger left = counter(askKey, nodeId);
    if (left == null) {
      return Verdict.NOT_IN_PLAN;
    }
    return left.get() > 0 ? Verdict.PERMITTED : Verdict.USED_UP;
  }

  /**
   * Counts one allocation against the plan. Returns how many the entry still allows after it,
   * or -1 if the plan did not allow this allocation at all.
   */
  public int consume(String askKey, String nodeId) {
    AtomicInteger left = counter(askKey, nodeId);
    if (left == null) {
      return -1;
    }
    while (true) {
      int current = left.get();
      if (current <= 0) {
        return -1;
      }
      if (left.compareAndSet(current, current - 1)) {
        return current - 1;
      }
    }
  }

  private AtomicInteger counter(String askKey, String nodeId) {
    Map<String, AtomicInteger> nodes = remaining.get(askKey);
    return nodes == null ? null : nodes.get(nodeId);
  }
}

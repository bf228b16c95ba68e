/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerUpdateType;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.UpdateContainerRequest;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainer;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainerState;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.ContainerUpdates;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.fica.FiCaSchedulerApp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The applier of the core's {@code resizes}: each becomes an UpdateContainerRequest handed to
 * CapacityScheduler's own container-update path, exactly as if the application's AM had sent
 * it in an allocate call (AbstractYarnScheduler#handleContainerUpdates, 3.4.1, which the
 * AM's IPC threads call without the scheduler's lock, as this cycle thread does).
 *
 * <p>What then happens is CapacityScheduler's:
 * <ul>
 *   <li>DECREASE: the node's and queue's accounting shrink when the application next
 *   heartbeats (FiCaSchedulerApp#getAllocation pulls it), and the NodeManager is told in its
 *   next heartbeat.</li>
 *   <li>INCREASE: becomes a one-container request pinned to the container's node, allocated
 *   when that node heartbeats and has room; with
 *   {@code yarn.resourcemanager.auto-update.containers=true} (set by {@link ElasticScheduler})
 *   the RM, not the AM, tells the NodeManager. No AM cooperation is needed, which matters
 *   because Spark's allocator ignores updated containers.</li>
 * </ul>
 *
 * <p>YARN refuses an update that raises one resource and lowers another, so a mixed target
 * is applied as its increase first and its decrease in a later cycle. Nothing here ever goes
 * above the size the container first had.
 */
final class ContainerResizer {

  private static final Logger LOG = LoggerFactory.getLogger(ContainerResizer.class);
  /** A resize the RM has not carried out in this long is forgotten and may be issued again. */
  static final long PENDING_TIMEOUT_MS = 30_000;

  /** CapacityScheduler's side: a seam so the rules can be tested without an RM. */
  interface Scheduler {
    RMContainer container(ContainerId id);

    FiCaSchedulerApp attemptOf(ContainerId id);

    void update(FiCaSchedulerApp attempt, ContainerUpdates updates);
  }

  /** The sizes the reader saw each container first have, by container id. */
  interface Requests {
    double[] requestOf(String containerId);
  }

  private static final class Pending {
    final int vcores;
    final long memoryMb;
    final long issuedMs;

    Pending(int vcores, long memoryMb, long issuedMs) {
      this.vcores = vcores;
      this.memoryMb = memoryMb;
      this.issuedMs = issuedMs;
    }
  }

  private final Scheduler scheduler;
  private final Requests requests;
  private final ElasticSchedulerMetrics metrics;
  private final Clock clock;
  private final Map<ContainerId, Pending> pending = new HashMap<>();
  /** Containers this shim took below their request: what a fallback must give back. */
  private final ShrunkContainers shrunk;
  private int issuedUp;
  private int issuedDown;

  /**
   * False when NodeManagers check virtual memory: a lower memory limit lowers the vmem limit
   * too (vmem-pmem-ratio times it), and a JVM reserves far more address space than it
   * touches, so a healthy executor would be killed with exit status -103.
   */
  private final boolean memoryDecreases;

  ContainerResizer(Scheduler scheduler, Requests requests, ShrunkContainers shrunk,
      ElasticSchedulerMetrics metrics, Clock clock, boolean memoryDecreases) {
    this.memoryDecreases = memoryDecreases;
    this.shrunk = shrunk;
    this.scheduler = scheduler;
    this.requests = requests;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Applies one reply's resizes. Never throws: a bad resize is refused, logged and counted. */
  void apply(List<MessageCodec.Resize> resizes) {
    settle();
    issuedUp = 0;
    issuedDown = 0;
    List<String> refusals = new ArrayList<>();
    for (MessageCodec.Resize resize : resizes) {
      String refusal;
      try {
        refusal = applyOne(resize);
      } catch (RuntimeException e) { // NOPMD: a scheduler exception must not stop the cycle
        refusal = "CapacityScheduler refused it: " + e;
      }
      if (refusal != null) {
        metrics.resizesRefused.incrementAndGet();
        refusals.add(resize.container + ": " + refusal);
      }
    }
    if (issuedUp + issuedDown > 0) {
      LOG.info("yarn-elastic resized {} container(s): {} down, {} up", issuedUp + issuedDown,
          issuedDown, issuedUp);
    }
    for (String refusal : refusals) {
      LOG.warn("yarn-elastic resize refused: {}", refusal);
    }
    shrunk.settle(scheduler, pending.keySet());
    metrics.setShrunkContainers(shrunk.size());
  }

  /** Issues one resize; returns why it is refused, or null (issued, or nothing to do). */
  private String applyOne(MessageCodec.Resize resize) {
    ContainerId id;
    try {
      id = ContainerId.fromString(resize.container);
    } catch (IllegalArgumentException e) {
      return "not a container id";
    }
    RMContainer container = scheduler.container(id);
    if (container == null) {
      return "unknown container (finished, or never allocated)";
    }
    if (container.getState() == RMContainerState.ALLOCATED
        || container.getState() == RMContainerState.ACQUIRED) {
      return null; // not launched yet: CapacityScheduler resizes only running containers
    }
    if (container.getState() != RMContainerState.RUNNING) {
      return "not running (state " + container.getState() + ")";
    }
    int version = container.getContainer().getVersion();
    if (version != resize.version) {
      return "stale: the core saw version " + resize.version + ", the RM holds " + version;
    }
    double[] request = requests.requestOf(resize.container);
    if (request == null) {
      return "its request is not known yet";
    }
    if (resize.vcores > request[0] || resize.memoryMb > request[1]) {
      return "above its request of " + (int) request[0] + " vcores, " + (long) request[1]
          + " MB (" + resize.vcores + " vcores, " + resize.memoryMb + " MB asked)";
    }
    if (pending.containsKey(id)) {
      return null; // one update at a time per container: YARN refuses a second while one waits
    }
    FiCaSchedulerApp attempt = scheduler.attemptOf(id);
    if (attempt == null || attempt.isStopped()) {
      return "its application attempt is not running";
    }
    Resource now = container.getAllocatedResource();
    long memoryMb = memoryDecreases ? resize.memoryMb
        : Math.max(resize.memoryMb, now.getMemorySize());
    if (!issue(attempt, id, version, now, resize.vcores, memoryMb)) {
      return null;
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("resize {} from {} vcores, {} MB to {} vcores, {} MB: {}", id,
          now.getVirtualCores(), now.getMemorySize(), resize.vcores, resize.memoryMb,
          resize.reason);
    }
    if (resize.vcores < request[0] || memoryMb < request[1]) {
      shrunk.shrank(id, request);
    }
    return null;
  }

  /**
   * Hands CapacityScheduler the update that moves {@code now} toward the target: the increase
   * of every resource going up if any is, else the decrease.
   */
  private boolean issue(FiCaSchedulerApp attempt, ContainerId id, int version, Resource now,
      int vcores, long memoryMb) {
    boolean up = vcores > now.getVirtualCores() || memoryMb > now.getMemorySize();
    boolean down = vcores < now.getVirtualCores() || memoryMb < now.getMemorySize();
    if (!up && !down) {
      return false;
    }
    Resource target = up
        ? Resource.newInstance(Math.max(memoryMb, now.getMemorySize()),
            Math.max(vcores, now.getVirtualCores()))
        : Resource.newInstance(memoryMb, vcores);
    ContainerUpdates updates = new ContainerUpdates();
    UpdateContainerRequest request = UpdateContainerRequest.newInstance(version, id,
        up ? ContainerUpdateType.INCREASE_RESOURCE : ContainerUpdateType.DECREASE_RESOURCE,
        target, null);
    (up ? updates.getIncreaseRequests() : updates.getDecreaseRequests()).add(request);
    scheduler.update(attempt, updates);
    pending.put(id, new Pending(target.getVirtualCores(), target.getMemorySize(),
        clock.nowMs()));
    metrics.resizesIssued.incrementAndGet();
    if (up) {
      issuedUp++;
    } else {
      issuedDown++;
    }
    return true;
  }

  /** Counts the resizes the RM has carried out and forgets those it never will. */
  private void settle() {
    long now = clock.nowMs();
    Iterator<Map.Entry<ContainerId, Pending>> entries = pending.entrySet().iterator();
    while (entries.hasNext()) {
      Map.Entry<ContainerId, Pending> entry = entries.next();
      RMContainer container = scheduler.container(entry.getKey());
      if (container == null) {
        entries.remove();
        continue;
      }
      Resource size = container.getAllocatedResource();
      Pending wanted = entry.getValue();
      if (size.getVirtualCores() == wanted.vcores && size.getMemorySize() == wanted.memoryMb) {
        metrics.resizesApplied.incrementAndGet();
        entries.remove();
      } else if (now - wanted.issuedMs > PENDING_TIMEOUT_MS) {
        metrics.resizesExpired.incrementAndGet();
        LOG.info("yarn-elastic resize of {} to {} vcores, {} MB not carried out in {} ms"
            + " (the node had no room, or the application did not heartbeat); it may be"
            + " issued again", entry.getKey(), wanted.vcores, wanted.memoryMb,
            PENDING_TIMEOUT_MS);
        entries.remove();
      }
    }
  }

  /**
   * The core went away: every container this shim shrank is asked back to its request, so
   * that stock scheduling goes on from the sizes the applications asked for. An increase
   * waits on its node like any other request; until it is granted the container keeps its
   * smaller size and the NodeManager's limit with it (docs/operations.md).
   */
  void restoreAll() {
    int asked = 0;
    for (ContainerId id : shrunk.ids()) {
      RMContainer container = scheduler.container(id);
      double[] request = shrunk.requestOf(id.toString());
      FiCaSchedulerApp attempt = scheduler.attemptOf(id);
      pending.remove(id);
      if (container == null || request == null || attempt == null || attempt.isStopped()) {
        continue;
      }
      try {
        if (issue(attempt, id, container.getContainer().getVersion(),
            container.getAllocatedResource(), (int) request[0], (long) request[1])) {
          asked++;
        }
      } catch (RuntimeException e) { // NOPMD: the fallback must complete
        LOG.warn("yarn-elastic could not ask {} back to its request: {}", id, e.toString());
      }
    }
    if (asked > 0) {
      metrics.resizesRestored.addAndGet(asked);
      LOG.warn("yarn-elastic asked {} shrunk container(s) back to their requested size, as the"
          + " core is away", asked);
    }
  }
}

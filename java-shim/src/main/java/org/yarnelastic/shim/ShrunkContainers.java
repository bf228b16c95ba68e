/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containers this shim holds below what they asked for, with their requests, kept in a
 * store that outlives the RM.
 *
 * <p>YARN keeps no request once a container runs, and a restarted RM recovers each container
 * at the size its NodeManager holds. Without this record a container shrunk before the
 * restart passes for one that asked for its shrunk size, is never grown again, and runs on
 * over its allocation (seen on real YARN: 1024 MB asked, recovered at 128 MB, 494 MB used).
 *
 * <p>Used on the cycle thread only. A save goes to a {@link ShrunkContainersFile}'s own
 * thread, so a slow file system never holds up a cycle.
 */
final class ShrunkContainers {

  private static final Logger LOG = LoggerFactory.getLogger(ShrunkContainers.class);
  /**
   * How long a container read back from the store may be absent before it is forgotten: its
   * NodeManager may not have re-registered yet. This is the RM's default NodeManager expiry
   * ({@code yarn.nm.liveness-monitor.expiry-interval-ms}); past it the container is lost.
   */
  static final long RECOVERY_GRACE_MS = 600_000;

  /** Where the record lives between RM runs. */
  interface Store {
    Map<String, double[]> load() throws IOException;

    /** Hands over a snapshot to keep; must not block the caller on I/O. */
    void save(Map<String, double[]> snapshot);
  }

  /** A store that keeps nothing: RM recovery is off, so nothing outlives the RM anyway. */
  static final Store NONE = new Store() {
    @Override
    public Map<String, double[]> load() {
      return new HashMap<>();
    }

    @Override
    public void save(Map<String, double[]> snapshot) {
      // nothing to keep
    }
  };

  private final Store store;
  private final Clock clock;
  private final Map<ContainerId, double[]> requests = new HashMap<>();
  /** Read back from the store and not yet seen in this RM: id to when it was read. */
  private final Map<ContainerId, Long> awaitingRecovery = new HashMap<>();
  private boolean changed;

  private ShrunkContainers(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** The record as an earlier RM left it. A bad store is logged and read as empty. */
  static ShrunkContainers open(Store store, Clock clock) {
    ShrunkContainers shrunk = new ShrunkContainers(store, clock);
    Map<String, double[]> kept;
    try {
      kept = store.load();
    } catch (IOException | RuntimeException e) { // NOPMD: a bad record must not stop the RM
      LOG.warn("yarn-elastic could not read the requests of shrunk containers ({}; see {});"
          + " containers recovered below their request will be taken to have asked for their"
          + " size", e.toString(), ElasticConfiguration.RESIZE_RECOVERY_FILE);
      kept = new HashMap<>();
    }
    long now = clock.nowMs();
    for (Map.Entry<String, double[]> entry : kept.entrySet()) {
      ContainerId id;
      try {
        id = ContainerId.fromString(entry.getKey());
      } catch (IllegalArgumentException e) {
        LOG.warn("yarn-elastic skips '{}' in the requests of shrunk containers: not a container"
            + " id", entry.getKey());
        continue;
      }
      shrunk.requests.put(id, entry.getValue());
      shrunk.awaitingRecovery.put(id, now);
    }
    if (!kept.isEmpty()) {
      LOG.info("yarn-elastic read the requests of {} shrunk container(s) kept by the previous"
          + " RM; they are grown back from there once recovered", kept.size());
    }
    return shrunk;
  }

  /** What the container asked for, if this shim or an earlier RM's shrank it. */
  double[] requestOf(String containerId) {
    try {
      return requests.get(ContainerId.fromString(containerId));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  void shrank(ContainerId id, double[] request) {
    double[] known = requests.put(id, request.clone());
    if (known == null || known[0] != request[0] || known[1] != request[1]) {
      changed = true;
    }
  }

  int size() {
    return requests.size();
  }

  List<ContainerId> ids() {
    return new ArrayList<>(requests.keySet());
  }

  /**
   * Forgets the containers that are back at their request, or gone (past the grace for ones
   * read back from the store), and saves the record if it changed. A container with an update
   * in flight is kept: a decrease shows in its size only once CapacityScheduler has done it.
   */
  void settle(ContainerResizer.Scheduler scheduler, Set<ContainerId> updating) {
    long now = clock.nowMs();
    Iterator<Map.Entry<ContainerId, double[]>> entries = requests.entrySet().iterator();
    while (entries.hasNext()) {
      Map.Entry<ContainerId, double[]> entry = entries.next();
      RMContainer container = scheduler.container(entry.getKey());
      if (container == null) {
        Long read = awaitingRecovery.get(entry.getKey());
        if (read == null || now - read > RECOVERY_GRACE_MS) {
          awaitingRecovery.remove(entry.getKey());
          entries.remove();
          changed = true;
        }
        continue;
      }
      awaitingRecovery.remove(entry.getKey());
      if (updating.contains(entry.getKey())) {
        continue;
      }
      Resource size = container.getAllocatedResource();
      double[] request = entry.getValue();
      if (size.getVirtualCores() >= request[0] && size.getMemorySize() >= request[1]) {
        entries.remove();
        changed = true;
      }
    }
    if (changed) {
      Map<String, double[]> snapshot = new HashMap<>();
      for (Map.Entry<ContainerId, double[]> entry : requests.entrySet()) {
        snapshot.put(entry.getKey().toString(), entry.getValue().clone());
      }
      store.save(snapshot);
      changed = false;
    }
  }
}

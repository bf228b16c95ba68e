/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.Collections;
import java.util.List;

/**
 * What the core needs to know of the cluster at one instant, in plain values with no Hadoop
 * types, so that encoding it is testable without a ResourceManager. Resources are vectors in
 * the interface's fixed order: cpu vcores, memory MB, disk MB/s, network MB/s.
 */
public final class ClusterState {

  public static final int RESOURCES = 4;

  public final List<NodeState> nodes;
  public final List<AppState> apps;
  public final List<AskState> asks;
  public final List<ContainerState> containers;

  /** Containers the NodeManagers killed for memory since the last read (sent once). */
  public final List<MemoryKill> memoryKills;

  public ClusterState(List<NodeState> nodes, List<AppState> apps, List<AskState> asks,
      List<ContainerState> containers) {
    this(nodes, apps, asks, containers, Collections.<MemoryKill>emptyList());
  }

  public ClusterState(List<NodeState> nodes, List<AppState> apps, List<AskState> asks,
      List<ContainerState> containers, List<MemoryKill> memoryKills) {
    this.nodes = Collections.unmodifiableList(nodes);
    this.apps = Collections.unmodifiableList(apps);
    this.asks = Collections.unmodifiableList(asks);
    this.containers = Collections.unmodifiableList(containers);
    this.memoryKills = Collections.unmodifiableList(memoryKills);
  }

  /** A container the NodeManager killed for using more memory than it was allocated. */
  public static final class MemoryKill {
    public final String container;
    public final String app;
    /** -104: physical memory, -103: virtual memory (ContainerExitStatus). */
    public final int exitStatus;
    public final long allocatedMb;

    public MemoryKill(String container, String app, int exitStatus, long allocatedMb) {
      this.container = container;
      this.app = app;
      this.exitStatus = exitStatus;
      this.allocatedMb = allocatedMb;
    }
  }

  /** A NodeManager as the scheduler sees it. */
  public static final class NodeState {
    public final String id;
    public final String rack;
    public final String partition;
    public final double[] capacity;
    public final double[] allocated;
    public final double[] utilization;

    public NodeState(String id, String rack, String partition, double[] capacity,
        double[] allocated, double[] utilization) {
      this.id = id;
      this.rack = rack;
      this.partition = partition;
      this.capacity = capacity;
      this.allocated = allocated;
      this.utilization = utilization;
    }
  }

  /** A running application. */
  public static final class AppState {
    public final String id;
    public final String queue;
    public final String user;
    public final String name;
    public final String appType;
    public final int priority;
    public final long submitMs;
    public final List<String> tags;

    public AppState(String id, String queue, String user, String name, String appType,
        int priority, long submitMs, List<String> tags) {
      this.id = id;
      this.queue = queue;
      this.user = user;
      this.name = name;
      this.appType = appType;
      this.priority = priority;
      this.submitMs = submitMs;
      this.tags = tags;
    }
  }

  /** One pending request (YARN's SchedulerRequestKey) of one application. */
  public static final class AskState {
    public final String key;
    public final String app;
    public final int priority;
    public final long allocationRequestId;
    public final int count;
    public final double[] demand;
    public final boolean am;
    public final List<String> nodes;
    public final List<String> racks;
    public final boolean relax;
    public final String partition;

    public AskState(String app, int priority, long allocationRequestId, int count,
        double[] demand, boolean am, List<String> nodes, List<String> racks, boolean relax,
        String partition) {
      this.key = Plan.askKey(app, priority, allocationRequestId);
      this.app = app;
      this.priority = priority;
      this.allocationRequestId = allocationRequestId;
      this.count = count;
      this.demand = demand;
      this.am = am;
      this.nodes = nodes;
      this.racks = racks;
      this.relax = relax;
      this.partition = partition;
    }
  }

  /** A container the RM has allocated and not yet seen finish. */
  public static final class ContainerState {
    public final String id;
    public final String app;
    public final String node;
    public final double[] allocated;
    /** The size it was first allocated with: a resize never takes it above this. */
    public final double[] request;
    /** YARN's container version, raised by every resize; a resize names the one it saw. */
    public final int version;
    public final long startMs;

    public ContainerState(String id, String app, String node, double[] allocated,
        double[] request, int version, long startMs) {
      this.id = id;
      this.app = app;
      this.node = node;
      this.allocated = allocated;
      this.request = request;
      this.version = version;
      this.startMs = startMs;
    }
  }
}

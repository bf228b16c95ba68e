/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.ResourceRequest;
import org.apache.hadoop.yarn.api.records.ResourceUtilization;
import org.apache.hadoop.yarn.server.resourcemanager.RMContext;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainer;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.SchedulerApplication;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.PendingAsk;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.fica.FiCaSchedulerApp;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.fica.FiCaSchedulerNode;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.placement.AppPlacementAllocator;
import org.apache.hadoop.yarn.server.scheduler.SchedulerRequestKey;

/**
 * Reads the scheduler's own structures into a {@link ClusterState}. It runs on the shim's
 * cycle thread and only uses the scheduler's thread-safe getters, so it never holds the
 * scheduler's locks for longer than one getter does.
 */
final class ClusterStateReader {

  /** The AM's request uses priority 0 (RMAppAttemptImpl.AM_CONTAINER_PRIORITY). */
  private static final int AM_PRIORITY = 0;
  /** Utilization is rounded so that noise in NM reports does not resend every node. */
  private static final double CPU_QUANTUM = 0.1;
  private static final double MEMORY_QUANTUM_MB = 64;

  private final CapacityScheduler scheduler;
  private final RMContext rmContext;
  private final ElasticConfiguration conf;
  private final ShrunkContainers shrunk;

  ClusterStateReader(CapacityScheduler scheduler, RMContext rmContext,
      ElasticConfiguration conf) {
    this(scheduler, rmContext, conf, null);
  }

  /** With {@code shrunk}, a container first seen below its request (recovered by a restarted
   * RM) is taken to have asked for what that record says. */
  ClusterStateReader(CapacityScheduler scheduler, RMContext rmContext,
      ElasticConfiguration conf, ShrunkContainers shrunk) {
    this.scheduler = scheduler;
    this.rmContext = rmContext;
    this.conf = conf;
    this.shrunk = shrunk;
  }

  /**
   * The size each live container was first seen with, which is what it asked for: YARN keeps
   * no request once a container is running (RMContainerImpl drops it at launch), and a resize
   * must never take a container above it. Replaced whole by each read (the cycle thread), read
   * by the resizer on the same thread.
   */
  private volatile Map<String, double[]> firstSizes = new HashMap<>();
  /** Filled by the RM's threads as containers complete, drained by each read. */
  private final Queue<ClusterState.MemoryKill> memoryKills = new ConcurrentLinkedQueue<>();
  private static final int MAX_KILLS_KEPT = 10_000;

  /** Called on the RM's thread that completes a container: only queues, never blocks. */
  void completed(RMContainer container, int exitStatus) {
    if ((exitStatus == ContainerExitStatus.KILLED_EXCEEDED_PMEM
        || exitStatus == ContainerExitStatus.KILLED_EXCEEDED_VMEM)
        && memoryKills.size() < MAX_KILLS_KEPT) {
      memoryKills.add(new ClusterState.MemoryKill(container.getContainerId().toString(),
          container.getApplicationAttemptId().getApplicationId().toString(), exitStatus,
          container.getAllocatedResource().getMemorySize()));
    }
  }

  /** The vcores and memory the container asked for, or null if the reader never saw it. */
  double[] requestOf(String containerId) {
    return firstSizes.get(containerId);
  }

  /**
   * CapacityScheduler carries out a container update through a temporary container: an
   * increase allocates one of the size of the increase under the update's scheduler key, and
   * a decrease files the live container a second time under a temporary id. Both sit among
   * the live containers until the update is swapped in; neither is a container of its own,
   * and sent to the core it would be resized (to 0 vcores, the size of the increase).
   */
  static boolean isUpdateTemporary(RMContainer container) {
    SchedulerRequestKey key = container.getAllocatedSchedulerKey();
    return key != null && key.getContainerToUpdate() != null;
  }

  ClusterState read() {
    Map<String, double[]> live = new HashMap<>();
    List<ClusterState.NodeState> nodes = new ArrayList<>();
    for (FiCaSchedulerNode node : scheduler.getAllNodes()) {
      nodes.add(readNode(node));
    }
    List<ClusterState.AppState> apps = new ArrayList<>();
    List<ClusterState.AskState> asks = new ArrayList<>();
    List<ClusterState.ContainerState> containers = new ArrayList<>();
    for (Map.Entry<ApplicationId, SchedulerApplication<FiCaSchedulerApp>> entry
        : scheduler.getSchedulerApplications().entrySet()) {
      FiCaSchedulerApp attempt = entry.getValue().getCurrentAppAttempt();
      if (attempt == null || attempt.isStopped()) {
        continue;
      }
      String appId = entry.getKey().toString();
      apps.add(readApp(entry.getKey(), attempt));
      for (SchedulerRequestKey key : attempt.getSchedulerKeys()) {
        ClusterState.AskState ask = readAsk(appId, attempt, key);
        if (ask != null) {
          asks.add(ask);
        }
      }
      for (RMContainer container : attempt.getLiveContainers()) {
        String id = container.getContainerId().toString();
        if (isUpdateTemporary(container) || live.containsKey(id)) {
          continue;
        }
        double[] allocated = vector(container.getAllocatedResource(), 0, 0);
        double[] request = firstSizes.get(id);
        if (request == null && shrunk != null) {
          request = shrunk.requestOf(id);
        }
        if (request == null) {
          request = allocated;
        }
        live.put(id, request);
        containers.add(new ClusterState.ContainerState(id, appId,
            container.getAllocatedNode().toString(), allocated, request,
            container.getContainer().getVersion(), container.getCreationTime()));
      }
    }
    firstSizes = live;
    List<ClusterState.MemoryKill> kills = new ArrayList<>();
    ClusterState.MemoryKill kill;
    while ((kill = memoryKills.poll()) != null) {
      kills.add(kill);
    }
    return new ClusterState(nodes, apps, asks, containers, kills);
  }

  private ClusterState.NodeState readNode(FiCaSchedulerNode node) {
    ResourceUtilization used = node.getNodeUtilization();
    double[] utilization = used == null
        ? new double[ClusterState.RESOURCES]
        : new double[] {round(used.getCPU(), CPU_QUANTUM),
            round(used.getPhysicalMemory(), MEMORY_QUANTUM_MB), 0, 0};
    return new ClusterState.NodeState(node.getNodeID().toString(), node.getRackName(),
        node.getPartition(),
        vector(node.getTotalResource(), conf.nodeDiskMbPerS, conf.nodeNetworkMbPerS),
        vector(node.getAllocatedResource(), 0, 0), utilization);
  }

  private ClusterState.AppState readApp(ApplicationId id, FiCaSchedulerApp attempt) {
    RMApp app = rmContext.getRMApps().get(id);
    if (app == null) {
      return new ClusterState.AppState(id.toString(), attempt.getQueueName(), attempt.getUser(),
          "", "", attempt.getPriority() == null ? 0 : attempt.getPriority().getPriority(), 0,
          Collections.<String>emptyList());
    }
    int priority = app.getApplicationPriority() == null
        ? 0 : app.getApplicationPriority().getPriority();
    List<String> tags = new ArrayList<>(app.getApplicationTags());
    Collections.sort(tags);
    return new ClusterState.AppState(id.toString(), attempt.getQueueName(), app.getUser(),
        app.getName(), app.getApplicationType(), priority, app.getSubmitTime(), tags);
  }

  private ClusterState.AskState readAsk(String appId, FiCaSchedulerApp attempt,
      SchedulerRequestKey key) {
    if (key.getContainerToUpdate() != null) {
      return null; // a resize's own request: the gate lets it through on its container's node
    }
    PendingAsk pending = attempt.getPendingAsk(key, ResourceRequest.ANY);
    if (pending == null || pending.getCount() <= 0) {
      return null;
    }
    List<String> hosts = new ArrayList<>();
    List<String> racks = new ArrayList<>();
    boolean relax = true;
    String partition = "";
    AppPlacementAllocator<?> placement = attempt.getAppPlacementAllocator(key);
    if (placement != null) {
      partition = placement.getPrimaryRequestedNodePartition();
      Map<String, ResourceRequest> requests = placement.getResourceRequests();
      if (requests != null) {
        for (Map.Entry<String, ResourceRequest> request : requests.entrySet()) {
          String name = request.getKey();
          if (ResourceRequest.ANY.equals(name)) {
            relax = request.getValue().getRelaxLocality();
          } else if (request.getValue().getNumContainers() > 0) {
            (name.startsWith("/") ? racks : hosts).add(name);
          }
        }
      }
    }
    Collections.sort(hosts);
    Collections.sort(racks);
    int priority = key.getPriority().getPriority();
    boolean am = priority == AM_PRIORITY && attempt.isWaitingForAMContainer();
    return new ClusterState.AskState(appId, priority, key.getAllocationRequestId(),
        pending.getCount(), vector(pending.getPerAllocationResource(), 0, 0), am, hosts, racks,
        relax, partition == null ? "" : partition);
  }

  private static double[] vector(Resource resource, double disk, double network) {
    return new double[] {resource.getVirtualCores(), resource.getMemorySize(), disk, network};
  }

  private static double round(double value, double quantum) {
    return Math.round(value / quantum) * quantum;
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.Optional;

import org.apache.hadoop.yarn.server.resourcemanager.RMContext;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.AppSchedulingInfo;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.NodeType;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.SchedulerNode;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.activities.DiagnosticsCollector;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.ContainerRequest;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.placement.LocalityAppPlacementAllocator;
import org.apache.hadoop.yarn.server.scheduler.SchedulerRequestKey;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.SchedulingMode;

/**
 * Where the core's decision meets CapacityScheduler. CapacityScheduler asks each pending
 * request's placement allocator whether a node may take it ({@code precheckNode}) before it
 * tries an allocation there; a "no" makes it skip that request on that node and go on to the
 * next request or application (RegularContainerAllocator#preCheckForNodeCandidateSet, 3.4.1).
 * Adding the core's plan to that answer makes every container land on a node the core chose,
 * while queues, limits, ACLs, reservations and the commit path stay CapacityScheduler's own.
 *
 * <p>The RM creates one instance per (application, request key) through
 * {@code yarn.scheduler.app-placement-allocator.class}, which {@link ElasticScheduler} sets.
 */
public class PlanGatedPlacementAllocator<N extends SchedulerNode>
    extends LocalityAppPlacementAllocator<N> {

  private PlacementGate gate;
  private String askKey;

  @Override
  public void initialize(AppSchedulingInfo appSchedulingInfo,
      SchedulerRequestKey schedulerRequestKey, RMContext rmContext) {
    super.initialize(appSchedulingInfo, schedulerRequestKey, rmContext);
    askKey = Plan.askKey(appSchedulingInfo.getApplicationId().toString(),
        schedulerRequestKey.getPriority().getPriority(),
        schedulerRequestKey.getAllocationRequestId());
    if (rmContext != null && rmContext.getScheduler() instanceof ElasticScheduler) {
      gate = ((ElasticScheduler) rmContext.getScheduler()).placementGate();
    }
  }

  @Override
  public boolean precheckNode(SchedulerNode schedulerNode, SchedulingMode schedulingMode,
      Optional<DiagnosticsCollector> dcOpt) {
    if (!super.precheckNode(schedulerNode, schedulingMode, dcOpt)) {
      return false;
    }
    return gate == null || gate.permits(askKey, schedulerNode.getNodeID().toString());
  }

  @Override
  public ContainerRequest allocate(SchedulerRequestKey schedulerKey, NodeType type,
      SchedulerNode node) {
    ContainerRequest request = super.allocate(schedulerKey, type, node);
    if (gate != null) {
      gate.allocated(askKey, node.getNodeID().toString());
    }
    return request;
  }
}

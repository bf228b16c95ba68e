/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ResourceRequest;
import org.apache.hadoop.yarn.server.resourcemanager.RMContext;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainer;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.AppSchedulingInfo;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.NodeType;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.SchedulerNode;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.activities.DiagnosticsCollector;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.ContainerRequest;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.placement.PendingAskUpdateResult;
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
  /** Set when this allocator holds a container update's request, not a new container's. */
  private ContainerId containerToUpdate;
  private RMContext context;

  @Override
  public void initialize(AppSchedulingInfo appSchedulingInfo,
      SchedulerRequestKey schedulerRequestKey, RMContext rmContext) {
    super.initialize(appSchedulingInfo, schedulerRequestKey, rmContext);
    context = rmContext;
    containerToUpdate = schedulerRequestKey.getContainerToUpdate();
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
    if (containerToUpdate != null) {
      return onContainersNode(schedulerNode);
    }
    return gate == null || gate.permits(askKey, schedulerNode.getNodeID().toString());
  }

  /**
   * A resize's increase (the core's or the AM's own) is no new container: it can only be
   * granted on the container's own node, which CapacityScheduler's fit check then guards, so
   * the plan, which names new containers only, has no say. Its request names a host, not a
   * node, so with several NodeManagers on one host CapacityScheduler could grant it on the
   * wrong one and take it back (ContainerUpdateContext#matchContainerToOutstandingIncreaseReq);
   * this check stops that first.
   */
  private boolean onContainersNode(SchedulerNode node) {
    if (context == null || context.getScheduler() == null) {
      return true;
    }
    RMContainer container = context.getScheduler().getRMContainer(containerToUpdate);
    return container == null || node.getNodeID().equals(container.getAllocatedNode());
  }

  /**
   * CapacityScheduler asks for a resize's increase on the container's host, rack and ANY, none
   * of them relaxed (ContainerUpdateContext#createResourceRequests). With
   * yarn.scheduler.include-port-in-node-name=true (several NodeManagers on one host) a node's
   * name is host:port, so the host request matches no node and the increase is never granted.
   * Asking under the node's own name as well makes it matchable on that node and no other.
   */
  @Override
  public PendingAskUpdateResult updatePendingAsk(Collection<ResourceRequest> requests,
      boolean recoverPreemptedRequestForAContainer) {
    String nodeName = containerToUpdate == null ? null : containersNodeName();
    if (nodeName == null) {
      return super.updatePendingAsk(requests, recoverPreemptedRequestForAContainer);
    }
    String host = nodeName.contains(":") ? nodeName.substring(0, nodeName.lastIndexOf(':'))
        : nodeName;
    List<ResourceRequest> named = new ArrayList<>(requests);
    for (ResourceRequest request : requests) {
      if (!host.equals(nodeName) && request.getResourceName().equals(host)) {
        ResourceRequest onNode = cloneResourceRequest(request);
        onNode.setResourceName(nodeName);
        named.add(onNode);
      }
    }
    return super.updatePendingAsk(named, recoverPreemptedRequestForAContainer);
  }

  private String containersNodeName() {
    if (context == null || context.getScheduler() == null) {
      return null;
    }
    RMContainer container = context.getScheduler().getRMContainer(containerToUpdate);
    SchedulerNode node = container == null ? null
        : context.getScheduler().getSchedulerNode(container.getAllocatedNode());
    return node == null ? null : node.getNodeName();
  }

  @Override
  public ContainerRequest allocate(SchedulerRequestKey schedulerKey, NodeType type,
      SchedulerNode node) {
    ContainerRequest request = super.allocate(schedulerKey, type, node);
    if (gate != null && containerToUpdate == null) {
      gate.allocated(askKey, node.getNodeID().toString());
    }
    return request;
  }
}

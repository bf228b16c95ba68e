/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

/**
 * What CapacityScheduler's allocation path asks before it places a container of an ask on a
 * node. It must answer from memory, at once: it runs inside the scheduler's locks.
 */
public interface PlacementGate {

  /** True when the container may go to the node: the core's plan allows it, or the core is away. */
  boolean permits(String askKey, String nodeId);

  /** Called after CapacityScheduler committed one container of the ask on the node. */
  void allocated(String askKey, String nodeId);
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.ResourceRequest;
import org.apache.hadoop.yarn.api.records.SchedulingRequest;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainer;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainerEventType;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.Allocation;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.ContainerUpdates;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.resourcemanager.ResourceManager;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.ApplicationSchedulingConfig;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.fica.FiCaSchedulerApp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CapacityScheduler whose container placement comes from the yarn-elastic core.
 *
 * <p>Everything operators rely on (queues, ACLs, work-preserving recovery, reservations,
 * container updates, preemption) is CapacityScheduler's, unchanged. The shim adds two things:
 * a cycle thread ({@link CycleLoop} stepping a {@link CoreSession}) that keeps the core's
 * picture of the cluster current and receives its plan, and a gate ({@link PlanGate}, asked by
 * every {@link PlanGatedPlacementAllocator}) that lets a container go only to a node the plan
 * names. When the core is away, the gate is open and this is a stock CapacityScheduler.
 * docs/architecture.md, "Threads and locks", says which thread touches what.
 *
 * <p>Load it with {@code yarn.resourcemanager.scheduler.class=org.yarnelastic.shim.ElasticScheduler}.
 */
public class ElasticScheduler extends CapacityScheduler {

  private static final Logger LOG = LoggerFactory.getLogger(ElasticScheduler.class);

  private static final PlacementGate OPEN = new PlacementGate() {
    @Override
    public boolean permits(String askKey, String nodeId) {
      return true;
    }

    @Override
    public void allocated(String askKey, String nodeId) {
    }
  };

  private ElasticConfiguration elastic;
  private volatile ClusterStateReader stateReader;
  private volatile ShrunkContainersFile recoveryFile;
  private ElasticSchedulerMetrics metrics;
  private volatile CycleLoop loop;
  private volatile PlanGate planGate;
  /** What the cycle thread steps; closed at stop, after the thread has ended. */
  private volatile CoreSession session;

  /** Valid for the scheduler's life: allocators made before the start see the plan gate later. */
  private final PlacementGate gate = new PlacementGate() {
    @Override
    public boolean permits(String askKey, String nodeId) {
      PlanGate current = planGate;
      return current == null || current.permits(askKey, nodeId);
    }

    @Override
    public void allocated(String askKey, String nodeId) {
      PlanGate current = planGate;
      (current == null ? OPEN : current).allocated(askKey, nodeId);
    }
  };

  @Override
  public void serviceInit(Configuration conf) throws Exception {
    elastic = ElasticConfiguration.from(conf);
    if (elastic.enabled) {
      installPlacementGate(conf, elastic.resizeEnabled);
      if (getRMContext() != null && getRMContext().getYarnConfiguration() != null
          && getRMContext().getYarnConfiguration() != conf) {
        installPlacementGate(getRMContext().getYarnConfiguration(), elastic.resizeEnabled);
      }
    }
    super.serviceInit(conf);
  }

  @Override
  public void serviceStart() throws Exception {
    super.serviceStart();
    metrics = ElasticSchedulerMetrics.register();
    if (!elastic.enabled) {
      metrics.setCoreState(ElasticSchedulerMetrics.STATE_DISABLED);
      LOG.info("yarn-elastic is disabled ({}=false): this is a stock CapacityScheduler",
          ElasticConfiguration.ENABLED);
      return;
    }
    CoreToken token = CoreToken.of(elastic);
    CoreProcess process = null;
    if (elastic.launchesCore()) {
      process = new CoreProcess(elastic.coreCommand, elastic.coreAddress.getPort(),
          token.file, elastic.coreLogFile);
    }
    ShrunkContainers shrunk = ShrunkContainers.open(openRecoveryFile(),
        System::currentTimeMillis);
    ClusterStateReader reader = new ClusterStateReader(this, getRMContext(), elastic, shrunk);
    stateReader = reader;
    boolean vmemChecked = getConf().getBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED,
        YarnConfiguration.DEFAULT_NM_VMEM_CHECK_ENABLED);
    if (elastic.resizeEnabled && vmemChecked) {
      LOG.warn("{}=true: yarn-elastic resizes CPU and grows memory, but never lowers a"
          + " container's memory, as the lower virtual-memory limit would kill healthy JVMs"
          + " (exit -103); set it to false on the NodeManagers and here to shrink memory",
          YarnConfiguration.NM_VMEM_CHECK_ENABLED);
    }
    ContainerResizer resizer = elastic.resizeEnabled
        ? new ContainerResizer(containerUpdates(), reader::requestOf, shrunk, metrics,
            System::currentTimeMillis, !vmemChecked)
        : null;
    CycleLoop cycles = new CycleLoop(elastic.cycleMinIntervalMs, elastic.cycleIntervalMs);
    PlanGate plans = new PlanGate(elastic.planTtlMs, System::currentTimeMillis, metrics,
        cycles::wake);
    CoreSession started = new CoreSession(elastic,
        "rm-" + ResourceManager.getClusterTimeStamp(), reader::read,
        coreConnector(token.secret), process, metrics, System::currentTimeMillis, plans,
        resizer);
    started.logStart();
    planGate = plans;
    session = started;
    cycles.start(started::step);
    loop = cycles;
  }

  /** The record of shrunk containers' requests that a restarted RM reads back. */
  private ShrunkContainers.Store openRecoveryFile() {
    String uri = elastic.recoveryFileUri(getConf());
    if (!elastic.resizeEnabled || uri.isEmpty()) {
      return ShrunkContainers.NONE;
    }
    ShrunkContainersFile file = new ShrunkContainersFile(uri, getConf());
    file.start();
    recoveryFile = file;
    LOG.info("yarn-elastic keeps the requests of the containers it shrinks in {} ({}), so that"
        + " a restarted RM grows them back; for RM HA put it on a file system both RMs reach",
        file.path(), ElasticConfiguration.RESIZE_RECOVERY_FILE);
    return file;
  }

  /** How the cycle thread reaches the core: Py4J; a seam for tests that stand in a core. */
  CoreSession.Connector coreConnector(final String authToken) {
    return () -> {
      final CoreConnection connection =
          new CoreConnection(elastic.coreAddress, authToken, elastic.deadlineMs);
      return new CoreSession.Exchanger() {
        @Override
        public byte[] exchange(byte[] message) {
          return connection.exchange(message);
        }

        @Override
        public void close() {
          connection.close();
        }
      };
    };
  }

  /** CapacityScheduler's container-update path, as the resizer uses it. */
  private ContainerResizer.Scheduler containerUpdates() {
    return new ContainerResizer.Scheduler() {
      @Override
      public RMContainer container(ContainerId id) {
        return getRMContainer(id);
      }

      @Override
      public FiCaSchedulerApp attemptOf(ContainerId id) {
        return getCurrentAttemptForContainer(id);
      }

      @Override
      public void update(FiCaSchedulerApp attempt, ContainerUpdates updates) {
        handleContainerUpdates(attempt, updates);
      }
    };
  }

  @Override
  public void serviceStop() throws Exception {
    // Open the gate first: from here on no plan is refreshed, so none may hold a placement.
    planGate = null;
    CycleLoop cycles = loop;
    loop = null;
    if (cycles != null) {
      cycles.stop();
    }
    CoreSession ended = session;
    session = null;
    if (ended != null) {
      ended.close();
    }
    ShrunkContainersFile file = recoveryFile;
    recoveryFile = null;
    if (file != null) {
      file.close();
    }
    ElasticSchedulerMetrics.unregister();
    super.serviceStop();
  }

  /**
   * CapacityScheduler's allocate, plus a wake-up for the cycle thread when the AM asked for
   * containers or gave some back, so the core plans them now rather than at the next interval.
   */
  @Override
  public Allocation allocate(ApplicationAttemptId applicationAttemptId,
      List<ResourceRequest> ask, List<SchedulingRequest> schedulingRequests,
      List<ContainerId> release, List<String> blacklistAdditions,
      List<String> blacklistRemovals, ContainerUpdates updateRequests) {
    if (elastic != null && elastic.enabled) {
      routeAsksThroughGate(getApplicationAttempt(applicationAttemptId));
    }
    Allocation allocation = super.allocate(applicationAttemptId, ask, schedulingRequests,
        release, blacklistAdditions, blacklistRemovals, updateRequests);
    CycleLoop cycles = loop;
    if (cycles != null && (!isEmpty(ask) || !isEmpty(schedulingRequests)
        || !isEmpty(release))) {
      cycles.wake();
    }
    return allocation;
  }

  /** CapacityScheduler's, plus telling the core of a container killed for memory. */
  @Override
  public void completedContainer(RMContainer rmContainer, ContainerStatus containerStatus,
      RMContainerEventType event) {
    super.completedContainer(rmContainer, containerStatus, event);
    ClusterStateReader reader = stateReader;
    if (reader != null && rmContainer != null && containerStatus != null) {
      reader.completed(rmContainer, containerStatus.getExitStatus());
    }
  }

  /**
   * Hadoop 3.3 takes an ask's placement allocator from the application's scheduling
   * environment only; the yarn-site.xml default that 3.4 also reads does not exist there
   * (AppSchedulingInfo#internalAddResourceRequests, 3.3.6). Naming ours in that environment
   * before an attempt's first ask reaches CapacityScheduler gates the asks on both lines.
   * An application that names an allocator of its own keeps it, as 3.4 would let it.
   */
  private static void routeAsksThroughGate(FiCaSchedulerApp attempt) {
    if (attempt == null) {
      return;
    }
    Map<String, String> envs = attempt.getAppSchedulingInfo().getApplicationSchedulingEnvs();
    if (!envs.containsKey(ApplicationSchedulingConfig.ENV_APPLICATION_PLACEMENT_TYPE_CLASS)) {
      envs.put(ApplicationSchedulingConfig.ENV_APPLICATION_PLACEMENT_TYPE_CLASS,
          PlanGatedPlacementAllocator.class.getName());
    }
  }

  private static boolean isEmpty(List<?> list) {
    return list == null || list.isEmpty();
  }

  /** This scheduler's counters (the metrics system may hold another's in tests). */
  ElasticSchedulerMetrics metrics() {
    return metrics;
  }

  /** The gate every {@link PlanGatedPlacementAllocator} consults. */
  public PlacementGate placementGate() {
    return gate;
  }

  /** Whether containers are currently placed by the core (false: stock fallback). */
  public boolean isCoreActive() {
    PlanGate current = planGate;
    return current != null && current.isEngaged();
  }

  private static boolean setByOperator(Configuration conf, String key) {
    String[] sources = conf.getPropertySources(key);
    if (sources == null) {
      return false;
    }
    for (String source : sources) {
      if (!source.endsWith("-default.xml")) {
        return true;
      }
    }
    return false;
  }

  private static void installPlacementGate(Configuration conf, boolean resizing) {
    if (resizing && !conf.getBoolean(YarnConfiguration.RM_AUTO_UPDATE_CONTAINERS, false)) {
      // Without it an increase waits for the AM to pass the new token to the NodeManager,
      // which Spark never does, and the RM rolls the increase back.
      if (setByOperator(conf, YarnConfiguration.RM_AUTO_UPDATE_CONTAINERS)) {
        LOG.warn("{}=false is replaced by true: yarn-elastic resizes running containers"
            + " without the AM's help ({}=false turns resizing off)",
            YarnConfiguration.RM_AUTO_UPDATE_CONTAINERS, ElasticConfiguration.RESIZE_ENABLED);
      }
      conf.setBoolean(YarnConfiguration.RM_AUTO_UPDATE_CONTAINERS, true);
    }
    String configured = conf.get(YarnConfiguration.APPLICATION_PLACEMENT_TYPE_CLASS);
    String ours = PlanGatedPlacementAllocator.class.getName();
    if (configured != null && !configured.isEmpty() && !configured.equals(ours)) {
      LOG.warn("{}={} is replaced by {}: yarn-elastic places containers through it",
          YarnConfiguration.APPLICATION_PLACEMENT_TYPE_CLASS, configured, ours);
    }
    conf.set(YarnConfiguration.APPLICATION_PLACEMENT_TYPE_CLASS, ours);
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

import org.apache.hadoop.metrics2.lib.DefaultMetricsSystem;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.attempt.RMAppAttemptState;
import org.apache.log4j.Level;
import org.apache.log4j.LogManager;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.resourcemanager.MockAM;
import org.apache.hadoop.yarn.server.resourcemanager.MockNM;
import org.apache.hadoop.yarn.server.resourcemanager.MockRM;
import org.apache.hadoop.yarn.server.resourcemanager.MockRMAppSubmissionData;
import org.apache.hadoop.yarn.server.resourcemanager.MockRMAppSubmitter;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.ResourceScheduler;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler;

/**
 * Container allocations per second through the real scheduler classes: stock CapacityScheduler
 * against ElasticScheduler driven by the real Python core, on the same synthetic load, in one
 * run. MockRM's in-process NodeManagers heartbeat as fast as the scheduler takes them, so the
 * figure is the scheduler's own speed, not a heartbeat interval's.
 *
 * <p>Usage: {@code AllocationThroughputBenchmark CORE_COMMAND OUTPUT_JSON [nodes apps outstanding]}
 */
public final class AllocationThroughputBenchmark {

  private static final int ROUNDS = 3;
  private static final long WARMUP_NANOS = 2_000_000_000L;
  private static final long WINDOW_NANOS = 8_000_000_000L;

  private AllocationThroughputBenchmark() {
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  public static void main(String[] args) throws Exception {
    String coreCommand = args[0];
    File output = new File(args[1]);
    int nodes = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    int apps = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    int containers = args.length > 4 ? Integer.parseInt(args[4]) : 150;

    // The first run in a JVM pays for class loading and JIT; it is thrown away. Then the two
    // schedulers alternate, so neither gets a warmer JVM, and the medians are compared.
    run(CapacityScheduler.class, null, nodes, apps, containers);
    double[] capacity = new double[ROUNDS];
    double[] elastic = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      capacity[i] = run(CapacityScheduler.class, null, nodes, apps, containers);
      elastic[i] = run(ElasticScheduler.class, coreCommand, nodes, apps, containers);
    }
    double capacityMedian = median(capacity);
    double elasticMedian = median(elastic);
    String json = String.format(Locale.ROOT,
        "{\"elastic_per_s\": %.1f, \"capacity_per_s\": %.1f, \"ratio\": %.3f, \"nodes\": %d,"
            + " \"apps\": %d, \"outstanding_per_app\": %d, \"window_s\": %.0f,"
            + " \"rounds\": %d, \"elastic_runs\": %s, \"capacity_runs\": %s}%n",
        elasticMedian, capacityMedian, elasticMedian / capacityMedian, nodes, apps,
        containers, WINDOW_NANOS / 1e9, ROUNDS, java.util.Arrays.toString(elastic),
        java.util.Arrays.toString(capacity));
    Files.write(output.toPath(), json.getBytes(StandardCharsets.UTF_8));
    System.out.print(json);
    System.exit(0);
  }

  private static double run(Class<? extends ResourceScheduler> scheduler, String coreCommand,
      int nodeCount, int appCount, int perApp) throws Exception {
    DefaultMetricsSystem.setMiniClusterMode(true);
    YarnConfiguration conf = new YarnConfiguration();
    conf.setClass(YarnConfiguration.RM_SCHEDULER, scheduler, ResourceScheduler.class);
    conf.setBoolean(YarnConfiguration.RM_SCHEDULER_INCLUDE_PORT_IN_NODE_NAME, true);
    conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
    conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 100f);
    if (coreCommand != null) {
      conf.set(ElasticConfiguration.CORE_COMMAND, coreCommand);
      conf.set(ElasticConfiguration.CORE_ADDRESS, "127.0.0.1:" + freePort());
      conf.set(ElasticConfiguration.CORE_LOG_FILE,
          System.getProperty("java.io.tmpdir") + "/yarn-elastic-bench-core.log");
      conf.setInt(ElasticConfiguration.CORE_DEADLINE_MS, 2000);
      conf.setInt(ElasticConfiguration.PLAN_TTL_MS, 10000);
    }
    MockRM rm = new MockRM(conf);
    // MockRM turns the root logger to DEBUG; the figures must not pay for that.
    LogManager.getRootLogger().setLevel(Level.WARN);
    rm.start();
    try {
      List<MockNM> nodes = new ArrayList<>();
      for (int i = 0; i < nodeCount; i++) {
        // Node names must resolve; distinct ports make distinct nodes on one host.
        nodes.add(rm.registerNode("127.0.0.1:" + (20000 + i), 16 * 1024, 16));
      }
      if (coreCommand != null) {
        waitForCore((ElasticScheduler) rm.getResourceScheduler());
      }
      List<MockAM> ams = new ArrayList<>();
      for (int a = 0; a < appCount; a++) {
        RMApp app = MockRMAppSubmitter.submit(rm,
            MockRMAppSubmissionData.Builder.createWithMemory(512, rm).build());
        ams.add(launchAm(rm, app, nodes));
      }
      // Sustained load: every AM keeps `perApp` containers outstanding, releases what it got
      // and asks again, so the scheduler is never idle. The rate is counted over a fixed
      // window after a warm-up, so neither scheduler's first-plan latency dominates.
      Map<MockAM, List<ContainerId>> toRelease = new HashMap<>();
      for (MockAM am : ams) {
        toRelease.put(am, new ArrayList<>());
      }
      long warmupEnd = System.nanoTime() + WARMUP_NANOS;
      long windowEnd = warmupEnd + WINDOW_NANOS;
      int counted = 0;
      while (System.nanoTime() < windowEnd) {
        for (MockNM nm : nodes) {
          nm.nodeHeartbeat(true);
        }
        for (MockAM am : ams) {
          List<Container> got = am.allocate("*", 1024, perApp, toRelease.get(am))
              .getAllocatedContainers();
          List<ContainerId> release = new ArrayList<>(got.size());
          for (Container container : got) {
            release.add(container.getId());
          }
          toRelease.put(am, release);
          if (System.nanoTime() >= warmupEnd) {
            counted += got.size();
          }
        }
      }
      double rate = counted / (WINDOW_NANOS / 1e9);
      System.err.printf(Locale.ROOT, "%s: %d containers in %.1f s = %.0f/s%n",
          scheduler.getSimpleName(), counted, WINDOW_NANOS / 1e9, rate);
      return rate;
    } finally {
      rm.stop();
    }
  }

  /** Allocates, launches and registers an app's AM, wherever the scheduler puts it. */
  static MockAM launchAm(MockRM rm, RMApp app, List<MockNM> nodes) throws Exception {
    // Under the elastic scheduler the AM container lands where the core decides, so heartbeat
    // every node until it is allocated, then launch it the way MockRM does.
    long deadline = System.currentTimeMillis() + 60_000;
    while (app.getCurrentAppAttempt() == null
        || app.getCurrentAppAttempt().getMasterContainer() == null) {
      for (MockNM nm : nodes) {
        nm.nodeHeartbeat(true);
      }
      rm.drainEvents();
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("AM of " + app.getApplicationId() + " never allocated");
      }
      Thread.sleep(5);
    }
    ApplicationAttemptId attempt = app.getCurrentAppAttempt().getAppAttemptId();
    rm.waitForState(attempt, RMAppAttemptState.ALLOCATED);
    MockAM am = rm.sendAMLaunched(attempt);
    rm.waitForState(attempt, RMAppAttemptState.LAUNCHED);
    am.registerAppAttempt();
    return am;
  }

  private static void waitForCore(ElasticScheduler scheduler) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!scheduler.isCoreActive()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("the core never became active; see its log");
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws Exception {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

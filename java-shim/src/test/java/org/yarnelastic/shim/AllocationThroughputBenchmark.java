/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.apache.hadoop.metrics2.lib.DefaultMetricsSystem;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
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
 * <p>Usage: {@code AllocationThroughputBenchmark CORE_COMMAND OUTPUT_JSON [nodes apps containers]}
 */
public final class AllocationThroughputBenchmark {

  private AllocationThroughputBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    String coreCommand = args[0];
    File output = new File(args[1]);
    int nodes = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    int apps = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    int containers = args.length > 4 ? Integer.parseInt(args[4]) : 150;

    double capacity = run(CapacityScheduler.class, null, nodes, apps, containers);
    double elastic = run(ElasticScheduler.class, coreCommand, nodes, apps, containers);
    String json = String.format(Locale.ROOT,
        "{\"elastic_per_s\": %.1f, \"capacity_per_s\": %.1f, \"ratio\": %.3f, \"nodes\": %d,"
            + " \"apps\": %d, \"containers\": %d}%n",
        elastic, capacity, elastic / capacity, nodes, apps, apps * containers);
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
      for (MockAM am : ams) {
        am.allocate("*", 1024, perApp, Collections.emptyList());
      }
      int wanted = appCount * perApp;
      int got = 0;
      long start = System.nanoTime();
      long deadline = start + 300_000_000_000L;
      while (got < wanted && System.nanoTime() < deadline) {
        for (MockNM nm : nodes) {
          nm.nodeHeartbeat(true);
        }
        for (MockAM am : ams) {
          got += am.schedule().getAllocatedContainers().size();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.err.printf(Locale.ROOT, "%s: %d of %d containers in %.2f s%n",
          scheduler.getSimpleName(), got, wanted, seconds);
      return got / seconds;
    } finally {
      rm.stop();
    }
  }

  private static MockAM launchAm(MockRM rm, RMApp app, List<MockNM> nodes) throws Exception {
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

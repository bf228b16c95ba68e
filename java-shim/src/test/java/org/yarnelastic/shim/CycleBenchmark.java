/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One scheduling cycle end to end, as the shim runs it: encode the cluster's changes, one Py4J
 * call to the real core, decode the reply, install the plan. The cluster is synthetic (no RM):
 * N nodes of mixed sizes and loads, 1,000 pending asks over 100 applications, a few running
 * containers per node. Two kinds of delta cycles are measured after the full ones:
 * <ul>
 *   <li>steady state (the headline): nodes heartbeat and take what the last plan gave them,
 *   new asks replace satisfied ones so about 1,000 stay pending, and containers finish;</li>
 *   <li>re-plan everything (the worst case): nothing is ever allocated, so every cycle the core
 *   places all 1,000 asks again while 1 % of nodes and 5 % of asks change.</li>
 * </ul>
 *
 * <p>Usage: {@code CycleBenchmark CORE_COMMAND OUTPUT_JSON [nodeCounts...]}
 */
public final class CycleBenchmark {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int ASKS = 1000;
  private static final int APPS = 100;
  private static final int FULL_CYCLES = 15;
  private static final int DELTA_CYCLES = 300;

  private CycleBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    String coreCommand = args[0];
    File output = new File(args[1]);
    List<Integer> sizes = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      sizes.add(Integer.parseInt(args[i]));
    }
    if (sizes.isEmpty()) {
      sizes.addAll(Arrays.asList(100, 1000, 5000));
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path tokenFile = Files.createTempFile("bench-token", ".txt");
    Files.write(tokenFile, "benchmark-token".getBytes(StandardCharsets.UTF_8));
    CoreProcess core = new CoreProcess(coreCommand, port, tokenFile.toString(),
        System.getProperty("java.io.tmpdir") + "/yarn-elastic-cycle-bench-core.log");
    core.ensureRunning();
    StringBuilder json = new StringBuilder("{");
    List<Double> crossings = new ArrayList<>();
    try {
      CoreConnection connection = connect(port);
      try {
        for (int nodes : sizes) {
          Result steady = measure(connection, nodes, crossings, true);
          Result replan = measure(connection, nodes, new ArrayList<>(), false);
          json.append(String.format(Locale.ROOT,
              "\"%d\": {\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"request_bytes_p50\": %d,"
                  + " \"full_p50_ms\": %.3f, \"full_p99_ms\": %.3f,"
                  + " \"full_request_bytes\": %d, \"replan_p50_ms\": %.3f,"
                  + " \"replan_p99_ms\": %.3f}, ",
              nodes, steady.deltaP50, steady.deltaP99, steady.deltaBytes, steady.fullP50,
              steady.fullP99, steady.fullBytes, replan.deltaP50, replan.deltaP99));
          System.err.printf(Locale.ROOT,
              "%5d nodes: steady p50 %.2f ms p99 %.2f ms (%d B); full p50 %.2f ms p99 %.2f ms"
                  + " (%d B); re-plan-everything p50 %.2f ms p99 %.2f ms%n",
              nodes, steady.deltaP50, steady.deltaP99, steady.deltaBytes, steady.fullP50,
              steady.fullP99, steady.fullBytes, replan.deltaP50, replan.deltaP99);
        }
      } finally {
        connection.close();
      }
    } finally {
      core.stop();
    }
    double[] cross = crossings.stream().mapToDouble(Double::doubleValue).toArray();
    json.append(String.format(Locale.ROOT, "\"py4j_p50_ms\": %s, \"py4j_p99_ms\": %s}%n",
        cross.length == 0 ? "null" : String.format(Locale.ROOT, "%.3f", percentile(cross, 50)),
        cross.length == 0 ? "null" : String.format(Locale.ROOT, "%.3f", percentile(cross, 99))));
    Files.write(output.toPath(), json.toString().getBytes(StandardCharsets.UTF_8));
    System.out.print(json);
  }

  private static CoreConnection connect(int port) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      CoreConnection connection = null;
      try {
        connection = new CoreConnection(new InetSocketAddress("127.0.0.1", port),
            "benchmark-token", 10_000);
        JsonNode hello = MAPPER.readTree(connection.exchange(MessageCodec.hello("rm-bench",
            CoreSession.SHIM_VERSION)));
        if (!hello.path("status").asText().equals("ok")) {
          throw new IllegalStateException("core refused: " + hello);
        }
        return connection;
      } catch (RuntimeException e) {
        if (connection != null) {
          connection.close();
        }
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static final class Result {
    double deltaP50;
    double deltaP99;
    double fullP50;
    double fullP99;
    int deltaBytes;
    int fullBytes;
  }

  private static Result measure(CoreConnection connection, int nodeCount,
      List<Double> crossings, boolean steady) throws Exception {
    Random random = new Random(42 + nodeCount);
    SyntheticCluster cluster = new SyntheticCluster(nodeCount, random);
    CycleRequestEncoder encoder = new CycleRequestEncoder("rm-bench-" + nodeCount, 3000);
    Result result = new Result();
    double[] full = new double[FULL_CYCLES];
    for (int i = 0; i < FULL_CYCLES; i++) {
      encoder.requireFull();
      Sample sample = cycle(connection, encoder, cluster.state());
      full[i] = sample.millis;
      result.fullBytes = sample.bytes;
    }
    double[] delta = new double[DELTA_CYCLES];
    int[] bytes = new int[DELTA_CYCLES];
    List<MessageCodec.Placement> lastPlan = Collections.emptyList();
    for (int i = 0; i < DELTA_CYCLES; i++) {
      if (steady) {
        cluster.allocate(lastPlan);
        cluster.finishSome();
      } else {
        cluster.churn();
      }
      Sample sample = cycle(connection, encoder, cluster.state());
      lastPlan = sample.placements;
      delta[i] = sample.millis;
      bytes[i] = sample.bytes;
      if (!Double.isNaN(sample.crossingMillis)) {
        crossings.add(sample.crossingMillis);
      }
    }
    Arrays.sort(bytes);
    result.fullP50 = percentile(full, 50);
    result.fullP99 = percentile(full, 99);
    result.deltaP50 = percentile(delta, 50);
    result.deltaP99 = percentile(delta, 99);
    result.deltaBytes = bytes[bytes.length / 2];
    return result;
  }

  private static final class Sample {
    double millis;
    double crossingMillis;
    int bytes;
    List<MessageCodec.Placement> placements;
  }

  /** Exactly what CoreSession.cycle does, timed. */
  private static Sample cycle(CoreConnection connection, CycleRequestEncoder encoder,
      ClusterState state) throws Exception {
    long start = System.nanoTime();
    byte[] request = encoder.encode(state, System.currentTimeMillis());
    long sent = System.nanoTime();
    byte[] replyBytes = connection.exchange(request);
    long received = System.nanoTime();
    MessageCodec.CycleReply reply = MessageCodec.decodeCycleReply(replyBytes);
    if (!reply.status.equals("ok")) {
      throw new IllegalStateException("cycle " + reply.seq + ": " + reply.status + " "
          + reply.message);
    }
    Plan.of(reply.seq, System.currentTimeMillis(), reply.placements);
    Sample sample = new Sample();
    sample.millis = (System.nanoTime() - start) / 1e6;
    sample.bytes = request.length;
    sample.placements = reply.placements;
    JsonNode handle = MAPPER.readTree(replyBytes).get("handle_ms");
    sample.crossingMillis = handle == null ? Double.NaN
        : (received - sent) / 1e6 - handle.asDouble();
    return sample;
  }

  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** A cluster that changes a little between cycles, like a busy real one. */
  private static final class SyntheticCluster {
    private final Random random;
    private final List<ClusterState.NodeState> nodes = new ArrayList<>();
    private final List<ClusterState.AppState> apps = new ArrayList<>();
    private final List<ClusterState.AskState> asks = new ArrayList<>();
    private final List<ClusterState.ContainerState> containers = new ArrayList<>();
    private int nextContainer;
    private int generation;

    SyntheticCluster(int nodeCount, Random random) {
      this.random = random;
      int[][] shapes = {{16, 65536}, {32, 131072}, {8, 32768}};
      for (int i = 0; i < nodeCount; i++) {
        int[] shape = shapes[i % shapes.length];
        double used = random.nextDouble();
        nodes.add(new ClusterState.NodeState(String.format("node%05d:45454", i), "/rack"
            + (i % 40), "", new double[] {shape[0], shape[1], 200, 1250},
            new double[] {Math.floor(shape[0] * used), Math.floor(shape[1] * used), 0, 0},
            new double[4]));
      }
      for (int a = 0; a < APPS; a++) {
        apps.add(new ClusterState.AppState(String.format("application_1_%04d", a),
            "root.default", "user" + (a % 7), "job" + (a % 13), "SPARK", 0, a,
            Collections.<String>emptyList()));
      }
      for (int k = 0; k < ASKS; k++) {
        asks.add(ask(k, 1 + random.nextInt(5)));
      }
      for (int c = 0; c < nodeCount * 2; c++) {
        containers.add(container());
      }
    }

    private ClusterState.AskState ask(int k, int count) {
      int cores = 1 + (k % 4);
      return new ClusterState.AskState(apps.get(k % APPS).id, 1 + (k % ASKS) / APPS, k / ASKS,
          count,
          new double[] {cores, 1024.0 * cores * (1 + k % 3), 0, 0}, false,
          Collections.<String>emptyList(), Collections.<String>emptyList(), true, "");
    }

    private ClusterState.ContainerState container() {
      int c = nextContainer++;
      return new ClusterState.ContainerState(String.format("container_1_%04d_01_%06d",
          c % APPS, c), apps.get(c % APPS).id, nodes.get(c % nodes.size()).id,
          new double[] {1, 2048, 0, 0}, new double[] {1, 2048, 0, 0}, 0, c);
    }

    void churn() {
      for (int i = 0; i < Math.max(1, nodes.size() / 100); i++) {
        int n = random.nextInt(nodes.size());
        ClusterState.NodeState old = nodes.get(n);
        double[] allocated = old.allocated.clone();
        allocated[0] = Math.max(0, Math.min(old.capacity[0], allocated[0]
            + (random.nextBoolean() ? 1 : -1)));
        allocated[1] = Math.max(0, Math.min(old.capacity[1], allocated[1]
            + (random.nextBoolean() ? 2048 : -2048)));
        nodes.set(n, new ClusterState.NodeState(old.id, old.rack, old.partition, old.capacity,
            allocated, old.utilization));
      }
      for (int i = 0; i < ASKS / 20; i++) {
        int k = random.nextInt(ASKS);
        asks.set(k, ask(k, 1 + random.nextInt(5)));
      }
      for (int i = 0; i < 10; i++) {
        containers.remove(random.nextInt(containers.size()));
        containers.add(container());
      }
    }

    /** Nodes that heartbeat this cycle (a quarter: 1 s heartbeats, 250 ms cycles) take what
     *  the last plan gave them; a satisfied ask is replaced by a new one, so ~1,000 stay
     *  pending, as in a busy cluster with a steady stream of work. */
    void allocate(List<MessageCodec.Placement> plan) {
      Map<String, Integer> askIndex = new HashMap<>();
      for (int k = 0; k < asks.size(); k++) {
        askIndex.put(asks.get(k).key, k);
      }
      Map<String, Integer> nodeIndex = new HashMap<>();
      for (int n = 0; n < nodes.size(); n++) {
        nodeIndex.put(nodes.get(n).id, n);
      }
      for (MessageCodec.Placement placement : plan) {
        Integer k = askIndex.get(placement.ask);
        Integer n = nodeIndex.get(placement.node);
        if (k == null || n == null || random.nextInt(4) != 0) {
          continue;
        }
        ClusterState.AskState ask = asks.get(k);
        ClusterState.NodeState node = nodes.get(n);
        int count = Math.min(placement.count, ask.count);
        double[] allocated = node.allocated.clone();
        for (int c = 0; c < count; c++) {
          if (allocated[0] + ask.demand[0] > node.capacity[0]
              || allocated[1] + ask.demand[1] > node.capacity[1]) {
            break;
          }
          allocated[0] += ask.demand[0];
          allocated[1] += ask.demand[1];
          containers.add(new ClusterState.ContainerState(String.format(
              "container_1_%04d_01_%06d", nextContainer % APPS, nextContainer++), ask.app,
              node.id, ask.demand.clone(), ask.demand.clone(), 0, nextContainer));
          ask = withCount(ask, ask.count - 1);
        }
        nodes.set(n, new ClusterState.NodeState(node.id, node.rack, node.partition,
            node.capacity, allocated, node.utilization));
        asks.set(k, ask.count > 0 ? ask : ask(k + ASKS * ++generation, 1 + random.nextInt(5)));
      }
    }

    /** About 1 % of running containers finish each cycle and give their node room back. */
    void finishSome() {
      Map<String, Integer> nodeIndex = new HashMap<>();
      for (int n = 0; n < nodes.size(); n++) {
        nodeIndex.put(nodes.get(n).id, n);
      }
      int finishing = Math.max(1, containers.size() / 100);
      for (int i = 0; i < finishing && !containers.isEmpty(); i++) {
        ClusterState.ContainerState gone = containers.remove(random.nextInt(containers.size()));
        int n = nodeIndex.get(gone.node);
        ClusterState.NodeState node = nodes.get(n);
        double[] allocated = node.allocated.clone();
        allocated[0] = Math.max(0, allocated[0] - gone.allocated[0]);
        allocated[1] = Math.max(0, allocated[1] - gone.allocated[1]);
        nodes.set(n, new ClusterState.NodeState(node.id, node.rack, node.partition,
            node.capacity, allocated, node.utilization));
      }
    }

    private ClusterState.AskState withCount(ClusterState.AskState ask, int count) {
      return new ClusterState.AskState(ask.app, ask.priority, ask.allocationRequestId, count,
          ask.demand, ask.am, ask.nodes, ask.racks, ask.relax, ask.partition);
    }

    ClusterState state() {
      return new ClusterState(new ArrayList<>(nodes), new ArrayList<>(apps),
          new ArrayList<>(asks), new ArrayList<>(containers));
    }
  }
}

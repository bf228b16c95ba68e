/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.ResourceScheduler;

/**
 * A core for MockRM tests of the shim: it keeps the asks and nodes the shim sends, places every
 * pending container on one chosen node (or nowhere), and hands over the resizes a test queues.
 * The real core is tested against the real shim in the integration tests; this stands in
 * where a test must say exactly what the core decides.
 */
final class StandInCore implements CoreSession.Exchanger {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The one core the scheduler under test talks to (MockRM builds the scheduler itself). */
  static volatile StandInCore current;

  private final Map<String, Integer> asks = new TreeMap<>();
  private final TreeSet<String> nodes = new TreeSet<>();
  private final List<String> resizes = new ArrayList<>();
  private String placeOn;
  private boolean placing = true;
  private boolean down;
  private int cycles;
  private int schema = MessageCodec.SCHEMA;

  /** ElasticScheduler with this core in place of Py4J. */
  public static final class Scheduler extends ElasticScheduler {
    @Override
    CoreSession.Connector coreConnector(String authToken) {
      return () -> {
        StandInCore core = current;
        if (core == null || core.isDown()) {
          throw new IOException("the stand-in core is down");
        }
        return core;
      };
    }
  }

  /** A configuration that loads {@link Scheduler} against this core. */
  static YarnConfiguration configuration() throws IOException {
    YarnConfiguration conf = new YarnConfiguration();
    conf.setClass(YarnConfiguration.RM_SCHEDULER, Scheduler.class, ResourceScheduler.class);
    conf.setBoolean(YarnConfiguration.RM_SCHEDULER_INCLUDE_PORT_IN_NODE_NAME, true);
    File token = File.createTempFile("stand-in-core", ".token");
    token.deleteOnExit();
    Files.write(token.toPath(), "secret".getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(token.toPath(),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    conf.set(ElasticConfiguration.CORE_AUTH_TOKEN_FILE, token.getAbsolutePath());
    conf.setInt(ElasticConfiguration.CYCLE_INTERVAL_MS, 50);
    conf.setInt(ElasticConfiguration.CYCLE_MIN_INTERVAL_MS, 10);
    conf.setInt(ElasticConfiguration.CORE_DEADLINE_MS, 1000);
    conf.setInt(ElasticConfiguration.RETRY_INITIAL_MS, 50);
    conf.setInt(ElasticConfiguration.RETRY_MAX_MS, 100);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    return conf;
  }

  synchronized void placeOn(String node) {
    placeOn = node;
    placing = true;
  }

  /** From now on the plan places nothing: every new container waits at the gate. */
  synchronized void placeNothing() {
    placing = false;
  }

  /** Sends this resize with the next reply (once). */
  synchronized void resize(String container, int version, int vcores, long memoryMb) {
    resizes.add(String.format("{\"container\":\"%s\",\"version\":%d,\"vcores\":%d,"
        + "\"memory_mb\":%d,\"reason\":\"test\"}", container, version, vcores, memoryMb));
  }

  /** Answers in another schema, as an older core would. */
  synchronized void speakSchema(int number) {
    schema = number;
  }

  synchronized void goDown() {
    down = true;
  }

  synchronized boolean isDown() {
    return down;
  }

  synchronized int cycles() {
    return cycles;
  }

  /** Containers sent that are not containers of their own: an id twice in one request, or
   * less than one vcore (an update's temporary container). */
  synchronized List<String> oddContainers() {
    return new java.util.ArrayList<>(oddContainers);
  }

  private final List<String> oddContainers = new java.util.ArrayList<>();

  @Override
  public synchronized byte[] exchange(byte[] message) {
    if (down) {
      throw new IllegalStateException("the stand-in core is down");
    }
    try {
      JsonNode request = MAPPER.readTree(message);
      if (request.get("type").asText().equals("hello")) {
        int asked = request.get("schema").asInt();
        if (asked != schema) {
          return bytes("{\"schema\":" + schema + ",\"type\":\"hello_reply\",\"core_version\":"
              + "\"stand-in\",\"status\":\"incompatible\",\"message\":\"core speaks schema "
              + schema + "\"}");
        }
        return bytes("{\"schema\":" + schema + ",\"type\":\"hello_reply\",\"core_version\":"
            + "\"stand-in\",\"status\":\"ok\",\"message\":\"\""
            + (schema >= 2 ? ",\"capabilities\":[\"resize\"]" : "") + "}");
      }
      cycles++;
      if (request.get("kind").asText().equals("full")) {
        asks.clear();
        nodes.clear();
      }
      for (JsonNode node : request.get("nodes")) {
        nodes.add(node.get("id").asText());
      }
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (JsonNode container : request.get("containers")) {
        String id = container.get("id").asText();
        if (!seen.add(id) || container.get("allocated").get(0).get(0).asDouble() < 1) {
          oddContainers.add(container.toString());
        }
      }
      for (JsonNode node : request.get("removed_nodes")) {
        nodes.remove(node.asText());
      }
      for (JsonNode ask : request.get("asks")) {
        int count = ask.get("count").asInt();
        if (count == 0) {
          asks.remove(ask.get("key").asText());
        } else {
          asks.put(ask.get("key").asText(), count);
        }
      }
      StringBuilder placements = new StringBuilder();
      String node = placeOn != null ? placeOn : (nodes.isEmpty() ? null : nodes.first());
      if (placing && node != null) {
        for (Map.Entry<String, Integer> ask : asks.entrySet()) {
          if (placements.length() > 0) {
            placements.append(',');
          }
          placements.append("{\"ask\":\"").append(ask.getKey()).append("\",\"node\":\"")
              .append(node).append("\",\"count\":").append(ask.getValue())
              .append(",\"score\":0}");
        }
      }
      String reply = "{\"schema\":" + schema + ",\"type\":\"cycle_reply\",\"seq\":"
          + request.get("seq").asLong() + ",\"status\":\"ok\",\"message\":\"\","
          + "\"decide_ms\":0,\"placements\":[" + placements + "]"
          + (schema >= 2 ? ",\"resizes\":[" + String.join(",", resizes) + "]" : "") + "}";
      resizes.clear();
      return bytes(reply);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}

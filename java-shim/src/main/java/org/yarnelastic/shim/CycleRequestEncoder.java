/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns successive {@link ClusterState}s into {@code cycle_request} messages: the first one,
 * and any after {@link #requireFull()}, carries everything; the rest carry only what changed.
 * The core keeps the picture, so a steady cluster costs a few hundred bytes per cycle instead
 * of a full snapshot (docs/interface.md).
 */
final class CycleRequestEncoder {

  private final String rmId;
  private final int slotMs;
  private long seq;
  private int schema = MessageCodec.SCHEMA;
  private long lastSentSeq = -1;
  private boolean fullNeeded = true;
  private Map<String, String> sentNodes = new HashMap<>();
  private Map<String, String> sentApps = new HashMap<>();
  private Map<String, String> sentAsks = new HashMap<>();
  private Map<String, String> sentContainers = new HashMap<>();

  CycleRequestEncoder(String rmId, int slotMs) {
    this.rmId = rmId;
    this.slotMs = slotMs;
  }

  /** The next request is full: after a (re)connect, a failed exchange, or a core's need_full. */
  void requireFull() {
    fullNeeded = true;
  }

  /** The schema the core agreed to in its hello_reply; requests are stamped with it. */
  void useSchema(int agreed) {
    schema = agreed;
  }

  long lastSeq() {
    return seq;
  }

  byte[] encode(ClusterState state, long nowMs) {
    boolean full = fullNeeded || lastSentSeq < 0;
    Map<String, String> nodes = new LinkedHashMap<>();
    for (ClusterState.NodeState node : state.nodes) {
      nodes.put(node.id, node(node));
    }
    Map<String, String> apps = new LinkedHashMap<>();
    for (ClusterState.AppState app : state.apps) {
      apps.put(app.id, app(app));
    }
    Map<String, String> asks = new LinkedHashMap<>();
    for (ClusterState.AskState ask : state.asks) {
      asks.put(ask.key, ask(ask, ask.count));
    }
    Map<String, String> containers = new LinkedHashMap<>();
    for (ClusterState.ContainerState container : state.containers) {
      containers.put(container.id, container(container));
    }

    seq++;
    StringBuilder out = new StringBuilder(256 + 160 * (nodes.size() + asks.size()));
    out.append("{\"schema\":").append(schema)
        .append(",\"type\":\"cycle_request\",\"rm_id\":");
    JsonText.string(out, rmId);
    out.append(",\"seq\":").append(seq)
        .append(",\"kind\":").append(full ? "\"full\"" : "\"delta\"")
        .append(",\"base_seq\":").append(full ? "null" : String.valueOf(lastSentSeq))
        .append(",\"now_ms\":").append(nowMs)
        .append(",\"slot_ms\":").append(slotMs);
    out.append(",\"nodes\":");
    changed(out, nodes, full ? null : sentNodes);
    out.append(",\"removed_nodes\":");
    removed(out, nodes, full ? null : sentNodes);
    out.append(",\"apps\":");
    changed(out, apps, full ? null : sentApps);
    out.append(",\"removed_apps\":");
    removed(out, apps, full ? null : sentApps);
    out.append(",\"asks\":[");
    boolean first = appendChanged(out, asks, full ? null : sentAsks, true);
    if (!full) {
      // An ask that is no longer pending is sent once more with count 0, which removes it.
      for (String key : sentAsks.keySet()) {
        if (!asks.containsKey(key)) {
          if (!first) {
            out.append(',');
          }
          first = false;
          out.append(withZeroCount(sentAsks.get(key)));
        }
      }
    }
    out.append("],\"containers\":");
    changed(out, containers, full ? null : sentContainers);
    out.append(",\"removed_containers\":");
    removed(out, containers, full ? null : sentContainers);
    if (schema >= 2 && !state.memoryKills.isEmpty()) {
      out.append(",\"memory_kills\":[");
      for (int i = 0; i < state.memoryKills.size(); i++) {
        ClusterState.MemoryKill kill = state.memoryKills.get(i);
        out.append(i == 0 ? "" : ",").append("{\"container\":");
        JsonText.string(out, kill.container);
        out.append(",\"app\":");
        JsonText.string(out, kill.app);
        out.append(",\"exit_status\":").append(kill.exitStatus)
            .append(",\"allocated_mb\":").append(kill.allocatedMb).append('}');
      }
      out.append(']');
    }
    out.append('}');

    sentNodes = nodes;
    sentApps = apps;
    sentAsks = asks;
    sentContainers = containers;
    lastSentSeq = seq;
    fullNeeded = false;
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void changed(StringBuilder out, Map<String, String> now,
      Map<String, String> before) {
    out.append('[');
    appendChanged(out, now, before, true);
    out.append(']');
  }

  private static boolean appendChanged(StringBuilder out, Map<String, String> now,
      Map<String, String> before, boolean first) {
    for (Map.Entry<String, String> entry : now.entrySet()) {
      if (before != null && entry.getValue().equals(before.get(entry.getKey()))) {
        continue;
      }
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append(entry.getValue());
    }
    return first;
  }

  private static void removed(StringBuilder out, Map<String, String> now,
      Map<String, String> before) {
    out.append('[');
    if (before != null) {
      boolean first = true;
      for (String id : before.keySet()) {
        if (!now.containsKey(id)) {
          if (!first) {
            out.append(',');
          }
          first = false;
          JsonText.string(out, id);
        }
      }
    }
    out.append(']');
  }

  private static String node(ClusterState.NodeState node) {
    StringBuilder out = new StringBuilder(160);
    out.append("{\"id\":");
    JsonText.string(out, node.id);
    out.append(",\"rack\":");
    JsonText.string(out, node.rack);
    out.append(",\"partition\":");
    JsonText.string(out, node.partition);
    out.append(",\"capacity\":");
    JsonText.curves(out, node.capacity);
    out.append(",\"allocated\":");
    JsonText.curves(out, node.allocated);
    out.append(",\"utilization\":");
    JsonText.curves(out, node.utilization);
    return out.append('}').toString();
  }

  private static String app(ClusterState.AppState app) {
    StringBuilder out = new StringBuilder(200);
    out.append("{\"id\":");
    JsonText.string(out, app.id);
    out.append(",\"queue\":");
    JsonText.string(out, app.queue);
    out.append(",\"user\":");
    JsonText.string(out, app.user);
    out.append(",\"name\":");
    JsonText.string(out, app.name);
    out.append(",\"app_type\":");
    JsonText.string(out, app.appType);
    out.append(",\"priority\":").append(app.priority);
    out.append(",\"submit_ms\":").append(app.submitMs);
    out.append(",\"tags\":");
    JsonText.strings(out, app.tags);
    return out.append('}').toString();
  }

  // The count comes last so that a removal can rewrite it without re-reading the ask.
  private static final String COUNT_FIELD = ",\"count\":";

  private static String ask(ClusterState.AskState ask, int count) {
    StringBuilder out = new StringBuilder(220);
    out.append("{\"key\":");
    JsonText.string(out, ask.key);
    out.append(",\"app\":");
    JsonText.string(out, ask.app);
    out.append(",\"priority\":").append(ask.priority);
    out.append(",\"allocation_request_id\":").append(ask.allocationRequestId);
    out.append(",\"demand\":");
    JsonText.curves(out, ask.demand);
    out.append(",\"am\":").append(ask.am);
    out.append(",\"locality\":{\"nodes\":");
    JsonText.strings(out, ask.nodes);
    out.append(",\"racks\":");
    JsonText.strings(out, ask.racks);
    out.append(",\"relax\":").append(ask.relax).append('}');
    out.append(",\"partition\":");
    JsonText.string(out, ask.partition);
    out.append(COUNT_FIELD).append(count);
    return out.append('}').toString();
  }

  private static String withZeroCount(String askJson) {
    int at = askJson.lastIndexOf(COUNT_FIELD);
    return askJson.substring(0, at) + COUNT_FIELD + "0}";
  }

  private static String container(ClusterState.ContainerState container) {
    StringBuilder out = new StringBuilder(160);
    out.append("{\"id\":");
    JsonText.string(out, container.id);
    out.append(",\"app\":");
    JsonText.string(out, container.app);
    out.append(",\"node\":");
    JsonText.string(out, container.node);
    out.append(",\"allocated\":");
    JsonText.curves(out, container.allocated);
    out.append(",\"request\":");
    JsonText.curves(out, container.request);
    out.append(",\"version\":").append(container.version);
    out.append(",\"start_ms\":").append(container.startMs);
    return out.append('}').toString();
  }
}

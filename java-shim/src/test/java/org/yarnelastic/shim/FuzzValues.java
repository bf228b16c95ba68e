/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The generators of {@link MessageCodecFuzzTest}, the same families as the Python side's
 * (benchmarks/reliability/fuzzing/mutation.py): valid messages, then a field replaced,
 * dropped, added or given an edge value of its own type, then the bytes damaged.
 */
final class FuzzValues {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final String[] TEXT = {"", " ", "\u0000", "\ud800", "a\udfff", "\u202e",
      "\ufeff", "é", "漢字", "\ud83d\ude00", "null", "1", "{}", "\n", "\\", "\"", "ok"};
  private static final Object[] NUMBERS = {0, -1, 1, Integer.MAX_VALUE, 1L << 31,
      Long.MAX_VALUE, Long.MIN_VALUE, new BigInteger("9223372036854775808"),
      new BigInteger("18446744073709551617"), new BigInteger("-9223372036854775809"), 0.5, -0.0,
      1e308, 1e-320, 2.5e9};
  private static final String[] STATUSES = {"ok", "need_full", "error", "incompatible"};

  private final Random random;

  FuzzValues(Random random) {
    this.random = random;
  }

  String text() {
    if (random.nextBoolean()) {
      return TEXT[random.nextInt(TEXT.length)];
    }
    StringBuilder out = new StringBuilder();
    for (int i = random.nextInt(8); i > 0; i--) {
      out.append((char) (random.nextInt(3) == 0 ? random.nextInt(0x10000) : 32 + random.nextInt(95)));
    }
    return out.toString();
  }

  /** Text without lone surrogates, which UTF-8 cannot carry (Java writes them as '?'). */
  static boolean wellFormed(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
        .equals(text);
  }

  private JsonNode number() {
    Object n = NUMBERS[random.nextInt(NUMBERS.length)];
    if (n instanceof BigInteger) {
      return JSON.numberNode((BigInteger) n);
    }
    if (n instanceof Double) {
      return JSON.numberNode((Double) n);
    }
    return n instanceof Long ? JSON.numberNode((Long) n) : JSON.numberNode((Integer) n);
  }

  private JsonNode anyValue() {
    switch (random.nextInt(7)) {
      case 0: return JSON.nullNode();
      case 1: return JSON.booleanNode(random.nextBoolean());
      case 2: return JSON.textNode(text());
      case 3: return JSON.arrayNode().add(number()).add(text());
      case 4: return JSON.objectNode().put(text(), random.nextInt());
      default: return number();
    }
  }

  ObjectNode cycleReply() {
    ObjectNode reply = JSON.objectNode().put("schema", 1 + random.nextInt(2))
        .put("type", "cycle_reply").put("seq", random.nextInt(1 << 30))
        .put("status", STATUSES[random.nextInt(3)]).put("message", text())
        .put("decide_ms", random.nextDouble() * 1000);
    ArrayNode placements = reply.putArray("placements");
    for (int i = random.nextInt(4); i > 0; i--) {
      placements.addObject().put("ask", text()).put("node", text())
          .put("count", 1 + random.nextInt(100)).put("score", random.nextGaussian());
    }
    ArrayNode resizes = reply.putArray("resizes");
    for (int i = random.nextInt(3); i > 0; i--) {
      resizes.addObject().put("container", text()).put("version", random.nextInt(10))
          .put("vcores", 1 + random.nextInt(8)).put("memory_mb", 1 + random.nextInt(1 << 20))
          .put("reason", text());
    }
    if (random.nextBoolean()) {
      reply.put("handle_ms", random.nextDouble());
    }
    return reply;
  }

  ObjectNode helloReply() {
    ObjectNode reply = JSON.objectNode().put("schema", 1 + random.nextInt(2))
        .put("type", "hello_reply").put("core_version", text())
        .put("status", STATUSES[random.nextBoolean() ? 0 : 3]).put("message", text());
    reply.putArray("capabilities").add("resize");
    return reply;
  }

  /** One to three changes, each at a place chosen over every object and array in the tree. */
  JsonNode mutate(ObjectNode message) {
    if (random.nextInt(3) == 0) {
      return message;  // a third stay valid: what is accepted is checked too
    }
    for (int step = 1 + random.nextInt(3); step > 0; step--) {
      List<JsonNode> containers = new ArrayList<>();
      collect(message, containers);
      JsonNode at = containers.get(random.nextInt(containers.size()));
      if (at.isObject() && at.size() > 0) {
        mutateObject((ObjectNode) at);
      } else if (at.isArray() && at.size() > 0) {
        ArrayNode array = (ArrayNode) at;
        int index = random.nextInt(array.size());
        if (random.nextBoolean()) {
          array.set(index, sameType(array.get(index)));
        } else {
          array.remove(index);
        }
      }
    }
    return message;
  }

  private void mutateObject(ObjectNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    String name = names.get(random.nextInt(names.size()));
    switch (random.nextInt(4)) {
      case 0: object.remove(name); break;
      case 1: object.set(name, anyValue()); break;
      case 2: object.set(text(), anyValue()); break;
      default: object.set(name, sameType(object.get(name)));
    }
  }

  /** A value of the type `value` has, at an edge: what passes a type check, then fails. */
  private JsonNode sameType(JsonNode value) {
    if (value.isTextual()) {
      return JSON.textNode(TEXT[random.nextInt(TEXT.length)]);
    }
    return value.isNumber() ? number() : anyValue();
  }

  private static void collect(JsonNode node, List<JsonNode> into) {
    if (node.isContainerNode()) {
      into.add(node);
      for (Iterator<JsonNode> it = node.elements(); it.hasNext();) {
        collect(it.next(), into);
      }
    }
  }

  /** A fifth of the messages have their bytes damaged: cut, flipped, padded, or replaced. */
  byte[] damage(JsonNode message) {
    byte[] bytes = message.toString().getBytes(StandardCharsets.UTF_8);
    if (random.nextInt(5) != 0) {
      return bytes;
    }
    switch (random.nextInt(8)) {
      case 0: return Arrays.copyOf(bytes, random.nextInt(bytes.length));
      case 6:  // a number too large for a double, which no tree node can write
        return new String(bytes, StandardCharsets.UTF_8).replaceFirst(
            "\"(score|decide_ms)\":", "\"$1\":1e400,\"was\":").getBytes(StandardCharsets.UTF_8);
      case 1:
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        return bytes;
      case 2: return concat(bytes, text().getBytes(StandardCharsets.UTF_8));
      case 3: return repeat(random.nextBoolean() ? "[" : "{\"a\":", 1 + random.nextInt(100_000));
      case 4: return concat("{\"schema\":".getBytes(StandardCharsets.UTF_8),
          repeat("9", 1 + random.nextInt(20_000)));
      case 5: return new byte[0];
      default:
        byte[] noise = new byte[random.nextInt(64)];
        random.nextBytes(noise);
        return noise;
    }
  }

  private static byte[] repeat(String unit, int times) {
    StringBuilder out = new StringBuilder(unit.length() * times);
    for (int i = 0; i < times; i++) {
      out.append(unit);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private double[] vector() {
    double[] v = new double[ClusterState.RESOURCES];
    for (int i = 0; i < v.length; i++) {
      int kind = random.nextInt(8);
      v[i] = kind == 0 ? Double.NaN : kind == 1 ? Double.POSITIVE_INFINITY
          : kind == 2 ? -random.nextDouble() : kind == 3 ? 1e300 : random.nextInt(1 << 20);
    }
    return v;
  }

  /** Cluster states with strange ids and numbers; sizes small, to run many. */
  ClusterState clusterState() {
    List<ClusterState.NodeState> nodes = new ArrayList<>();
    for (int i = random.nextInt(4); i > 0; i--) {
      nodes.add(new ClusterState.NodeState(text() + i, text(), text(), vector(), vector(),
          vector()));
    }
    List<ClusterState.AppState> apps = new ArrayList<>();
    List<ClusterState.AskState> asks = new ArrayList<>();
    List<ClusterState.ContainerState> containers = new ArrayList<>();
    for (int i = random.nextInt(3); i > 0; i--) {
      String app = "application_" + random.nextInt() + "_" + text();
      apps.add(new ClusterState.AppState(app, text(), text(), text(), text(), random.nextInt(),
          random.nextLong(), Collections.singletonList(text())));
      asks.add(new ClusterState.AskState(app, random.nextInt(), random.nextLong(),
          random.nextInt(100), vector(), random.nextBoolean(),
          Collections.singletonList(text()), Collections.<String>emptyList(),
          random.nextBoolean(), text()));
      containers.add(new ClusterState.ContainerState(text(), app, text(), vector(),
          vector(), random.nextInt(), random.nextLong()));
    }
    return new ClusterState(nodes, apps, asks, containers);
  }
}

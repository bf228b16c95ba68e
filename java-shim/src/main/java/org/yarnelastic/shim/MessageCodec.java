/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the core's replies strictly (docs/interface.md): every required field must be there
 * with the right type, and the schema number must be ours. Anything else is refused with a
 * {@link MessageException} that names the field, and the shim falls back to stock scheduling.
 */
public final class MessageCodec {

  public static final int SCHEMA = 1;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MessageCodec() {
  }

  /** The core's answer to one cycle. */
  public static final class CycleReply {
    public final long seq;
    public final String status;
    public final String message;
    public final double decideMs;
    public final List<Placement> placements;

    CycleReply(long seq, String status, String message, double decideMs,
        List<Placement> placements) {
      this.seq = seq;
      this.status = status;
      this.message = message;
      this.decideMs = decideMs;
      this.placements = Collections.unmodifiableList(placements);
    }
  }

  /** Place {@code count} containers of {@code ask} on {@code node}. */
  public static final class Placement {
    public final String ask;
    public final String node;
    public final int count;
    public final double score;

    Placement(String ask, String node, int count, double score) {
      this.ask = ask;
      this.node = node;
      this.count = count;
      this.score = score;
    }
  }

  /** The core's answer to {@code hello}. */
  public static final class HelloReply {
    public final String coreVersion;
    public final String status;
    public final String message;

    HelloReply(String coreVersion, String status, String message) {
      this.coreVersion = coreVersion;
      this.status = status;
      this.message = message;
    }
  }

  public static byte[] hello(String rmId, String shimVersion) {
    StringBuilder out = new StringBuilder(96);
    out.append("{\"schema\":").append(SCHEMA).append(",\"type\":\"hello\",\"rm_id\":");
    JsonText.string(out, rmId);
    out.append(",\"shim_version\":");
    JsonText.string(out, shimVersion);
    out.append('}');
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static HelloReply decodeHelloReply(byte[] bytes) throws MessageException {
    JsonNode root = parse(bytes);
    int schema = (int) integer(root, "schema");
    String status = text(root, "status");
    if (schema != SCHEMA) {
      throw new MessageException("schema: the core speaks schema " + schema
          + " and this shim speaks schema " + SCHEMA + "; install matching versions");
    }
    expectType(root, "hello_reply");
    if (!status.equals("ok") && !status.equals("incompatible")) {
      throw new MessageException("status: expected ok or incompatible, got '" + status + "'");
    }
    return new HelloReply(text(root, "core_version"), status, text(root, "message"));
  }

  public static CycleReply decodeCycleReply(byte[] bytes) throws MessageException {
    JsonNode root = parse(bytes);
    int schema = (int) integer(root, "schema");
    if (schema != SCHEMA) {
      throw new MessageException("schema: the core speaks schema " + schema
          + " and this shim speaks schema " + SCHEMA + "; install matching versions");
    }
    expectType(root, "cycle_reply");
    long seq = integer(root, "seq");
    String status = text(root, "status");
    if (!status.equals("ok") && !status.equals("need_full") && !status.equals("error")) {
      throw new MessageException("status: expected ok, need_full or error, got '" + status + "'");
    }
    String message = text(root, "message");
    double decideMs = number(root, "decide_ms");
    JsonNode array = root.get("placements");
    if (array == null || !array.isArray()) {
      throw new MessageException("placements: expected an array");
    }
    List<Placement> placements = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode item = array.get(i);
      String where = "placements[" + i + "].";
      if (!item.isObject()) {
        throw new MessageException("placements[" + i + "]: expected an object");
      }
      long count = integerAt(item, "count", where);
      if (count < 0 || count > Integer.MAX_VALUE) {
        throw new MessageException(where + "count: " + count + " is out of range");
      }
      placements.add(new Placement(textAt(item, "ask", where), textAt(item, "node", where),
          (int) count, numberAt(item, "score", where)));
    }
    return new CycleReply(seq, status, message, decideMs, placements);
  }

  private static JsonNode parse(byte[] bytes) throws MessageException {
    if (bytes == null) {
      throw new MessageException("message: the core returned nothing");
    }
    try {
      JsonNode root = MAPPER.readTree(bytes);
      if (root == null || !root.isObject()) {
        throw new MessageException("message: expected a JSON object");
      }
      return root;
    } catch (IOException e) {
      String reason = String.valueOf(e.getMessage()).split("\n", 2)[0];
      throw new MessageException("message: not valid JSON (" + reason + ")");
    }
  }

  private static void expectType(JsonNode root, String type) throws MessageException {
    String actual = text(root, "type");
    if (!actual.equals(type)) {
      throw new MessageException("type: expected '" + type + "', got '" + actual + "'");
    }
  }

  private static String text(JsonNode root, String field) throws MessageException {
    return textAt(root, field, "");
  }

  private static long integer(JsonNode root, String field) throws MessageException {
    return integerAt(root, field, "");
  }

  private static double number(JsonNode root, String field) throws MessageException {
    return numberAt(root, field, "");
  }

  private static String textAt(JsonNode node, String field, String where)
      throws MessageException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new MessageException(where + field + ": expected a string, got " + describe(value));
    }
    return value.asText();
  }

  private static long integerAt(JsonNode node, String field, String where)
      throws MessageException {
    JsonNode value = node.get(field);
    if (value == null || !value.isIntegralNumber()) {
      throw new MessageException(
          where + field + ": expected a whole number, got " + describe(value));
    }
    return value.asLong();
  }

  private static double numberAt(JsonNode node, String field, String where)
      throws MessageException {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber()) {
      throw new MessageException(where + field + ": expected a number, got " + describe(value));
    }
    return value.asDouble();
  }

  private static String describe(JsonNode value) {
    if (value == null) {
      return "nothing (the field is missing)";
    }
    String text = value.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}

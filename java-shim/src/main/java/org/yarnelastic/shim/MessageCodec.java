/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the core's replies strictly (docs/interface.md): every required field must be there
 * with the right type, and the schema number must be ours. Anything else is refused with a
 * {@link MessageException} that names the field, and the shim falls back to stock scheduling.
 */
public final class MessageCodec {

  /** The newest schema this shim speaks; it also speaks every one down to OLDEST_SCHEMA. */
  public static final int SCHEMA = 2;
  public static final int OLDEST_SCHEMA = 1;
  /** What a shim can apply beyond placements; a core uses only what both sides list. */
  public static final String CAPABILITY_RESIZE = "resize";

  // A reply is one JSON object; anything after it means the bytes are not what the core wrote.
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** Replies nest four deep; Jackson 2.12 builds a tree recursively, so a deeper one is
   *  refused before parsing rather than left to overflow the cycle thread's stack. */
  private static final int MAX_DEPTH = 64;

  private MessageCodec() {
  }

  /** The core's answer to one cycle. */
  public static final class CycleReply {
    public final long seq;
    public final String status;
    public final String message;
    public final double decideMs;
    public final List<Placement> placements;
    public final List<Resize> resizes;

    CycleReply(long seq, String status, String message, double decideMs,
        List<Placement> placements, List<Resize> resizes) {
      this.seq = seq;
      this.status = status;
      this.message = message;
      this.decideMs = decideMs;
      this.placements = Collections.unmodifiableList(placements);
      this.resizes = Collections.unmodifiableList(resizes);
    }
  }

  /** Give running container {@code container} this many vcores and MB from now on. */
  public static final class Resize {
    public final String container;
    /** The container version the core saw; a resize of another version is stale. */
    public final int version;
    public final int vcores;
    public final long memoryMb;
    public final String reason;

    Resize(String container, int version, int vcores, long memoryMb, String reason) {
      this.container = container;
      this.version = version;
      this.vcores = vcores;
      this.memoryMb = memoryMb;
      this.reason = reason;
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
    /** The schema the core answered in: the one the rest of the connection speaks. */
    public final int schema;
    /** What the core will send beyond placements; empty from a schema-1 core. */
    public final List<String> capabilities;

    HelloReply(String coreVersion, String status, String message, int schema,
        List<String> capabilities) {
      this.coreVersion = coreVersion;
      this.status = status;
      this.message = message;
      this.schema = schema;
      this.capabilities = Collections.unmodifiableList(capabilities);
    }
  }

  public static byte[] hello(String rmId, String shimVersion) {
    return hello(rmId, shimVersion, SCHEMA, Collections.<String>emptyList());
  }

  /** A hello in {@code schema}; capabilities exist from schema 2 on. */
  public static byte[] hello(String rmId, String shimVersion, int schema,
      List<String> capabilities) {
    StringBuilder out = new StringBuilder(128);
    out.append("{\"schema\":").append(schema).append(",\"type\":\"hello\",\"rm_id\":");
    JsonText.string(out, rmId);
    out.append(",\"shim_version\":");
    JsonText.string(out, shimVersion);
    if (schema >= 2) {
      out.append(",\"capabilities\":");
      JsonText.strings(out, capabilities);
    }
    out.append('}');
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static HelloReply decodeHelloReply(byte[] bytes) throws MessageException {
    JsonNode root = parse(bytes);
    int schema = schemaOf(root);
    String status = text(root, "status");
    expectType(root, "hello_reply");
    if (!status.equals("ok") && !status.equals("incompatible")) {
      throw new MessageException("status: expected ok or incompatible, got '" + status + "'");
    }
    List<String> capabilities = new ArrayList<>();
    JsonNode listed = root.get("capabilities");
    if (listed != null && schema >= 2) {
      if (!listed.isArray()) {
        throw new MessageException("capabilities: expected an array of strings, got "
            + describe(listed));
      }
      for (int i = 0; i < listed.size(); i++) {
        if (!listed.get(i).isTextual()) {
          throw new MessageException("capabilities[" + i + "]: expected a string, got "
              + describe(listed.get(i)));
        }
        capabilities.add(listed.get(i).asText());
      }
    }
    return new HelloReply(text(root, "core_version"), status, text(root, "message"), schema,
        capabilities);
  }

  /** The message's schema, if this shim speaks it. */
  private static int schemaOf(JsonNode root) throws MessageException {
    long schema = integer(root, "schema");
    if (schema < OLDEST_SCHEMA || schema > SCHEMA) {
      throw new MessageException("schema: the core speaks schema " + schema
          + " and this shim speaks schemas " + OLDEST_SCHEMA + " to " + SCHEMA
          + "; install matching versions");
    }
    return (int) schema;
  }

  public static CycleReply decodeCycleReply(byte[] bytes) throws MessageException {
    JsonNode root = parse(bytes);
    schemaOf(root);
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
    return new CycleReply(seq, status, message, decideMs, placements, resizes(root));
  }

  /** The optional {@code resizes} array (schema 2); absent means none. */
  private static List<Resize> resizes(JsonNode root) throws MessageException {
    JsonNode array = root.get("resizes");
    if (array == null) {
      return Collections.emptyList();
    }
    if (!array.isArray()) {
      throw new MessageException("resizes: expected an array, got " + describe(array));
    }
    List<Resize> resizes = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode item = array.get(i);
      String where = "resizes[" + i + "].";
      if (!item.isObject()) {
        throw new MessageException("resizes[" + i + "]: expected an object");
      }
      long vcores = integerAt(item, "vcores", where);
      long memory = integerAt(item, "memory_mb", where);
      long version = integerAt(item, "version", where);
      if (vcores < 1 || vcores > Integer.MAX_VALUE) {
        throw new MessageException(where + "vcores: " + vcores + " is out of range (at least 1)");
      }
      if (memory < 1) {
        throw new MessageException(where + "memory_mb: " + memory
            + " is out of range (at least 1)");
      }
      if (version < 0 || version > Integer.MAX_VALUE) {
        throw new MessageException(where + "version: " + version + " is out of range");
      }
      resizes.add(new Resize(textAt(item, "container", where), (int) version, (int) vcores,
          memory, textAt(item, "reason", where)));
    }
    return resizes;
  }

  private static JsonNode parse(byte[] bytes) throws MessageException {
    if (bytes == null) {
      throw new MessageException("message: the core returned nothing");
    }
    checkDepth(bytes);
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

  /** Counts brackets outside strings; malformed JSON is left for the parser to name. */
  private static void checkDepth(byte[] bytes) throws MessageException {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (inString) {
        if (b == '\\') {
          i++;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '[' || b == '{') {
        if (++depth > MAX_DEPTH) {
          throw new MessageException("message: nested deeper than " + MAX_DEPTH
              + " levels; a reply is a flat object");
        }
      } else if (b == ']' || b == '}') {
        depth--;
      }
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
    if (!value.canConvertToLong()) {  // asLong() would wrap it: 2^64 + 1 would read as 1
      throw new MessageException(where + field + ": " + describe(value) + " is out of range");
    }
    return value.asLong();
  }

  private static double numberAt(JsonNode node, String field, String where)
      throws MessageException {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber()) {
      throw new MessageException(where + field + ": expected a number, got " + describe(value));
    }
    double number = value.asDouble();
    if (Double.isInfinite(number)) {  // 1e400 parses as infinity; the core's own rule is finite
      throw new MessageException(where + field
          + ": out of range (it reads as infinity); numbers must be finite");
    }
    return number;
  }

  private static String describe(JsonNode value) {
    if (value == null) {
      return "nothing (the field is missing)";
    }
    String text = value.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}

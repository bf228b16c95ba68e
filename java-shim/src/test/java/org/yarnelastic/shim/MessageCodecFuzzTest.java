/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertEquals;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.Test;

/**
 * Generated inputs for both directions of the shim's side of the interface (issue 10 item 4):
 * the core's replies as {@link MessageCodec} decodes them, and the requests
 * {@link CycleRequestEncoder} writes. A fixed seed makes every run the same cases; the count
 * and seed can be changed with -Dfuzz.cases and -Dfuzz.seed. Each direction prints one
 * {@code FUZZ} line, which benchmarks/reliability/fuzz.py --java records.
 *
 * <p>A reply is refused only with a MessageException that names a field; any other throwable
 * is a crash, and so is accepting a reply that is not strict JSON, a number that is not
 * finite, or an integer other than the one sent (a silent wrap past a long).
 */
public class MessageCodecFuzzTest {

  private static final int CASES = Integer.getInteger("fuzz.cases", 10_000);
  private static final long SEED = Long.getLong("fuzz.seed", 20261202L);
  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final String NAMED = "^(message|[a-z_]+(\\[\\d+\\])?(\\.[a-z_]+)?): .+";

  private final List<String> examples = new ArrayList<>();
  private int accepted;
  private int refused;
  private int crashes;
  private boolean caseFailed;

  @Test
  public void everyReplyIsDecodedOrRefusedNamingTheField() throws Exception {
    Random random = new Random(SEED);
    FuzzValues values = new FuzzValues(random);
    for (int i = 0; i < CASES; i++) {
      boolean cycle = random.nextBoolean();
      ObjectNode reply = cycle ? values.cycleReply() : values.helloReply();
      byte[] bytes = values.damage(values.mutate(reply));
      decode(cycle, bytes);
    }
    report("messages_java_decode");
  }

  private void decode(boolean cycle, byte[] bytes) {
    caseFailed = false;
    try {
      if (cycle) {
        checkAccepted(MessageCodec.decodeCycleReply(bytes), bytes);
      } else {
        MessageCodec.decodeHelloReply(bytes);
        sentTree(bytes);
      }
      accepted += caseFailed ? 0 : 1;
    } catch (MessageException e) {
      if (e.getMessage() == null || !e.getMessage().matches("(?s)" + NAMED)) {
        crash("refusal names no field: " + e.getMessage(), bytes);
      } else {
        refused++;
      }
    } catch (Throwable e) {  // the point: anything but a MessageException is a crash
      crash(e.toString(), bytes);
    }
  }

  private static JsonNode strict(byte[] bytes) throws Exception {
    return STRICT.readTree(bytes);
  }

  /** The accepted reply as strict JSON reads it; null (and a crash) if it is not JSON. */
  private JsonNode sentTree(byte[] bytes) {
    try {
      return strict(bytes);
    } catch (Exception e) {
      crash("accepted what is not strict JSON: " + e.getMessage().split("\n", 2)[0], bytes);
      return null;
    }
  }

  /** What was accepted must be what was sent: strict JSON, finite numbers, exact integers. */
  private void checkAccepted(MessageCodec.CycleReply reply, byte[] bytes) {
    JsonNode tree = sentTree(bytes);
    if (tree == null) {
      return;
    }
    same(tree.get("seq"), reply.seq, bytes);
    finite(reply.decideMs, bytes);
    for (int i = 0; i < reply.placements.size(); i++) {
      same(tree.get("placements").get(i).get("count"), reply.placements.get(i).count, bytes);
      finite(reply.placements.get(i).score, bytes);
    }
    for (int i = 0; i < reply.resizes.size(); i++) {
      JsonNode sent = tree.get("resizes").get(i);
      MessageCodec.Resize got = reply.resizes.get(i);
      same(sent.get("memory_mb"), got.memoryMb, bytes);
      same(sent.get("vcores"), got.vcores, bytes);
      same(sent.get("version"), got.version, bytes);
    }
  }

  private void same(JsonNode sent, long decoded, byte[] bytes) {
    if (!sent.bigIntegerValue().equals(BigInteger.valueOf(decoded))) {
      crash("accepted " + sent + " as " + decoded, bytes);
    }
  }

  private void finite(double value, byte[] bytes) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      crash("accepted the number " + value, bytes);
    }
  }

  @Test
  public void everyEncodedRequestIsJsonThatCarriesWhatItWasGiven() throws Exception {
    Random random = new Random(SEED + 1);
    FuzzValues values = new FuzzValues(random);
    CycleRequestEncoder encoder = new CycleRequestEncoder("rm-fuzz", 3000);
    for (int i = 0; i < CASES; i++) {
      if (random.nextInt(4) == 0) {
        encoder.requireFull();
      }
      ClusterState state = values.clusterState();
      caseFailed = false;
      byte[] bytes = null;
      try {
        bytes = encoder.encode(state, random.nextLong());
        checkEncoded(strict(bytes), state, bytes);
        byte[] hello = MessageCodec.hello(values.text(), values.text(), 1 + random.nextInt(2),
            Collections.singletonList(values.text()));
        strict(hello);
        accepted += caseFailed ? 0 : 1;
      } catch (Throwable e) {
        crash(e.toString(), bytes == null ? new byte[0] : bytes);
      }
    }
    report("messages_java_encode");
  }

  private void checkEncoded(JsonNode request, ClusterState state, byte[] bytes) {
    if (!"full".equals(request.get("kind").asText())) {
      return;  // a delta carries only what changed, so only a full request lists every node
    }
    ArrayNode nodes = (ArrayNode) request.get("nodes");
    for (int i = 0; i < nodes.size(); i++) {
      String sent = state.nodes.get(i).id;
      for (JsonNode curve : nodes.get(i).get("capacity")) {
        finite(curve.get(0).asDouble(), bytes);
      }
      if (FuzzValues.wellFormed(sent) && !sent.equals(nodes.get(i).get("id").asText())) {
        crash("node id " + sent + " was sent as " + nodes.get(i).get("id"), bytes);
      }
    }
  }

  /** Counted once per case: the first thing found wrong with it. */
  private void crash(String what, byte[] bytes) {
    if (caseFailed) {
      return;
    }
    caseFailed = true;
    crashes++;
    if (examples.size() < 5) {
      String shown = new String(bytes, StandardCharsets.UTF_8);
      examples.add(what + " <- " + (shown.length() > 300 ? shown.substring(0, 300) : shown));
    }
  }

  private void report(String name) {
    System.out.println("FUZZ " + name + " cases=" + (accepted + refused + crashes)
        + " accepted=" + accepted + " refused=" + refused + " crashes=" + crashes);
    examples.forEach(c -> System.out.println("  crash: " + c));
    assertEquals("crashes, see the lines above", 0, crashes);
  }
}

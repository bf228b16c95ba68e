/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Collections;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.Test;

/**
 * The Java side of the shared interface examples in tests/data/interface/ (the Python side
 * reads the same files in tests/unit/test_messages.py).
 */
public class MessagesTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static File examples() {
    return new File(System.getProperty("interface.examples", "../tests/data/interface"));
  }

  private static byte[] read(String name) throws Exception {
    return Files.readAllBytes(new File(examples(), name).toPath());
  }

  @Test
  public void decodesTheExampleReply() throws Exception {
    MessageCodec.CycleReply reply = MessageCodec.decodeCycleReply(read("cycle_reply_ok.json"));
    assertEquals(2, reply.seq);
    assertEquals("ok", reply.status);
    assertEquals(1, reply.placements.size());
    assertEquals("application_1700000000000_0001#1#0", reply.placements.get(0).ask);
    assertEquals("node-a:45454", reply.placements.get(0).node);
    assertEquals(2, reply.placements.get(0).count);
    assertEquals(1, reply.resizes.size());
    MessageCodec.Resize resize = reply.resizes.get(0);
    assertEquals("container_1700000000000_0001_01_000002", resize.container);
    assertEquals(0, resize.version);
    assertEquals(1, resize.vcores);
    assertEquals(1536, resize.memoryMb);
  }

  @Test
  public void decodesTheExampleHelloReply() throws Exception {
    MessageCodec.HelloReply hello = MessageCodec.decodeHelloReply(read("hello_reply.json"));
    assertEquals("ok", hello.status);
    assertEquals(2, hello.schema);
    assertEquals(Collections.singletonList("resize"), hello.capabilities);
  }

  @Test
  public void encodedHelloIsTheExample() throws Exception {
    assertEquals(MAPPER.readTree(read("hello.json")), MAPPER.readTree(MessageCodec.hello(
        "rm-1700000000000", "0.1.0", MessageCodec.SCHEMA, Collections.singletonList("resize"))));
    assertEquals(MAPPER.readTree(read("hello_schema1.json")), MAPPER.readTree(MessageCodec.hello(
        "rm-1700000000000", "0.0.9", 1, Collections.singletonList("resize"))));
  }

  @Test
  public void aSchemaOneReplyHasNoResizes() throws Exception {
    MessageCodec.CycleReply reply = MessageCodec.decodeCycleReply(("{\"schema\":1,\"type\":"
        + "\"cycle_reply\",\"seq\":3,\"status\":\"ok\",\"message\":\"\",\"decide_ms\":0,"
        + "\"placements\":[]}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertTrue(reply.resizes.isEmpty());
  }

  @Test
  public void rejectsEveryInvalidReplyNamingTheField() throws Exception {
    File[] files = examples().listFiles((dir, name) -> name.startsWith("invalid_"));
    assertTrue("no invalid examples found in " + examples(), files != null && files.length > 0);
    int replies = 0;
    for (File file : files) {
      JsonNode root = MAPPER.readTree(file);
      if (!root.path("type").asText().equals("cycle_reply")) {
        continue; // requests are the Python side's to reject
      }
      replies++;
      String expected = root.get("_expect_error").asText();
      try {
        MessageCodec.decodeCycleReply(Files.readAllBytes(file.toPath()));
        fail(file.getName() + " was accepted");
      } catch (MessageException e) {
        assertTrue(file.getName() + ": '" + e.getMessage() + "' does not name " + expected,
            e.getMessage().contains(expected));
      }
    }
    assertTrue(replies > 0);
  }

  @Test
  public void rejectsGarbage() {
    for (String text : Arrays.asList("", "not json", "[1,2]", "{\"schema\":1}")) {
      try {
        MessageCodec.decodeCycleReply(text.getBytes());
        fail("accepted " + text);
      } catch (MessageException expected) {
        // each is refused with a reason
      }
    }
  }

  /** Found by MessageCodecFuzzTest: a StackOverflowError, a trailing token accepted, a count
   *  of 2^64 + 1 read as 1, and a score of infinity accepted. */
  @Test
  public void refusesWhatTheFuzzerFoundNamingTheField() {
    String reply = "{\"schema\":2,\"type\":\"cycle_reply\",\"seq\":3,\"status\":\"ok\","
        + "\"message\":\"\",\"decide_ms\":0,\"placements\":[{\"ask\":\"a\",\"node\":\"n\","
        + "\"count\":COUNT,\"score\":SCORE}]}";
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      deep.append('[');
    }
    String[][] cases = {
        {deep.toString(), "message: nested deeper"},
        {reply.replace("COUNT", "1").replace("SCORE", "0") + "x", "message: not valid JSON"},
        {reply.replace("COUNT", "18446744073709551617").replace("SCORE", "0"),
            "placements[0].count: 18446744073709551617 is out of range"},
        {reply.replace("COUNT", "1").replace("SCORE", "1e400"),
            "placements[0].score: out of range"},
    };
    for (String[] c : cases) {
      try {
        MessageCodec.decodeCycleReply(c[0].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fail("accepted " + c[0].substring(0, Math.min(80, c[0].length())));
      } catch (MessageException e) {
        assertTrue(e.getMessage(), e.getMessage().startsWith(c[1]));
      }
    }
  }

  @Test
  public void encodedRequestHasTheShapeOfTheExample() throws Exception {
    JsonNode example = MAPPER.readTree(read("cycle_request_full.json"));
    ClusterState state = new ClusterState(
        Collections.singletonList(new ClusterState.NodeState("node-a:45454", "/default-rack", "",
            new double[] {8, 16384, 200, 1250}, new double[] {1, 2048, 0, 0},
            new double[] {0.5, 1500, 3, 1})),
        Collections.singletonList(new ClusterState.AppState("application_1700000000000_0001",
            "root.default", "alice", "DistributedShell", "YARN", 0, 1700000000500L,
            Collections.<String>emptyList())),
        Collections.singletonList(new ClusterState.AskState("application_1700000000000_0001", 1,
            0, 3, new double[] {1, 1024, 0, 0}, false, Collections.<String>emptyList(),
            Collections.<String>emptyList(), true, "")),
        Collections.singletonList(new ClusterState.ContainerState(
            "container_1700000000000_0001_01_000001", "application_1700000000000_0001",
            "node-a:45454", new double[] {1, 2048, 0, 0}, new double[] {1, 2048, 0, 0}, 0,
            1700000000800L)));
    JsonNode ours = MAPPER.readTree(new CycleRequestEncoder("rm-1700000000000", 3000)
        .encode(state, 1700000001000L));
    for (String field : Arrays.asList("schema", "type", "rm_id", "kind", "slot_ms")) {
      assertEquals(field, example.get(field), ours.get(field));
    }
    assertEquals(example.get("nodes").get(0), ours.get("nodes").get(0));
    assertEquals(example.get("apps").get(0), ours.get("apps").get(0));
    assertEquals(example.get("asks").get(0), ours.get("asks").get(0));
    assertEquals(example.get("containers").get(0), ours.get("containers").get(0));
  }
}

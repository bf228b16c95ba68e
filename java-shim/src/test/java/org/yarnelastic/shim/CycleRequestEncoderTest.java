/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.Test;

public class CycleRequestEncoderTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static ClusterState.NodeState node(String id, double allocatedMb) {
    return new ClusterState.NodeState(id, "/r", "", new double[] {4, 8192, 200, 1250},
        new double[] {0, allocatedMb, 0, 0}, new double[4]);
  }

  private static ClusterState.AskState ask(String app, int count) {
    return new ClusterState.AskState(app, 1, 0, count, new double[] {1, 1024, 0, 0}, false,
        Collections.<String>emptyList(), Collections.<String>emptyList(), true, "");
  }

  private static ClusterState state(List<ClusterState.NodeState> nodes,
      List<ClusterState.AskState> asks) {
    return new ClusterState(new ArrayList<>(nodes),
        Collections.<ClusterState.AppState>emptyList(), new ArrayList<>(asks),
        Collections.<ClusterState.ContainerState>emptyList());
  }

  private static JsonNode json(byte[] bytes) throws Exception {
    return MAPPER.readTree(bytes);
  }

  @Test
  public void firstRequestIsFullThenOnlyChangesAreSent() throws Exception {
    CycleRequestEncoder encoder = new CycleRequestEncoder("rm-1", 3000);
    JsonNode first = json(encoder.encode(state(Arrays.asList(node("a:1", 0), node("b:1", 0)),
        Collections.singletonList(ask("application_1_0001", 2))), 10));
    assertEquals("full", first.get("kind").asText());
    assertEquals(2, first.get("nodes").size());
    assertEquals(1, first.get("seq").asLong());

    // b gets a container, the ask drops to one: only b and the ask are resent.
    JsonNode second = json(encoder.encode(state(Arrays.asList(node("a:1", 0), node("b:1", 1024)),
        Collections.singletonList(ask("application_1_0001", 1))), 20));
    assertEquals("delta", second.get("kind").asText());
    assertEquals(1, second.get("base_seq").asLong());
    assertEquals(1, second.get("nodes").size());
    assertEquals("b:1", second.get("nodes").get(0).get("id").asText());
    assertEquals(1, second.get("asks").get(0).get("count").asInt());

    // Nothing changes: an empty delta.
    JsonNode third = json(encoder.encode(state(Arrays.asList(node("a:1", 0), node("b:1", 1024)),
        Collections.singletonList(ask("application_1_0001", 1))), 30));
    assertEquals(0, third.get("nodes").size());
    assertEquals(0, third.get("asks").size());

    // Node a leaves and the ask is satisfied: a removal and a count-0 ask.
    JsonNode fourth = json(encoder.encode(state(Collections.singletonList(node("b:1", 1024)),
        Collections.<ClusterState.AskState>emptyList()), 40));
    assertEquals("a:1", fourth.get("removed_nodes").get(0).asText());
    assertEquals(0, fourth.get("asks").get(0).get("count").asInt());
    assertEquals("application_1_0001#1#0", fourth.get("asks").get(0).get("key").asText());
  }

  @Test
  public void requireFullResendsEverything() throws Exception {
    CycleRequestEncoder encoder = new CycleRequestEncoder("rm-1", 3000);
    ClusterState same = state(Collections.singletonList(node("a:1", 0)),
        Collections.<ClusterState.AskState>emptyList());
    encoder.encode(same, 1);
    encoder.requireFull();
    JsonNode again = json(encoder.encode(same, 2));
    assertEquals("full", again.get("kind").asText());
    assertEquals(1, again.get("nodes").size());
    assertEquals(true, again.get("base_seq").isNull());
  }

  @Test
  public void stringsAreEscaped() throws Exception {
    StringBuilder out = new StringBuilder();
    JsonText.string(out, "a\"b\\c\nd\u0001");
    assertEquals("a\"b\\c\nd\u0001", MAPPER.readTree(out.toString()).asText());
  }

  @Test
  public void memoryKillsAreSentOnceAndOnlyInSchemaTwo() throws Exception {
    ClusterState.MemoryKill kill = new ClusterState.MemoryKill(
        "container_1_0001_01_000002", "application_1_0001", -104, 1024);
    ClusterState killed = new ClusterState(Collections.<ClusterState.NodeState>emptyList(),
        Collections.<ClusterState.AppState>emptyList(),
        Collections.<ClusterState.AskState>emptyList(),
        Collections.<ClusterState.ContainerState>emptyList(), Collections.singletonList(kill));
    CycleRequestEncoder encoder = new CycleRequestEncoder("rm-1", 3000);
    JsonNode sent = json(encoder.encode(killed, 10)).get("memory_kills");
    assertEquals(1, sent.size());
    assertEquals(-104, sent.get(0).get("exit_status").asInt());
    assertEquals("container_1_0001_01_000002", sent.get(0).get("container").asText());
    assertEquals(null, json(encoder.encode(state(Collections.<ClusterState.NodeState>emptyList(),
        Collections.<ClusterState.AskState>emptyList()), 20)).get("memory_kills"));
    CycleRequestEncoder older = new CycleRequestEncoder("rm-1", 3000);
    older.useSchema(1);
    JsonNode schemaOne = json(older.encode(killed, 10));
    assertEquals(1, schemaOne.get("schema").asInt());
    assertEquals(null, schemaOne.get("memory_kills"));
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.junit.Test;

/**
 * Drives the session step by step with a scripted core, YuniKorn-style: no cycle thread, no
 * Py4J, a hand-moved clock. Each test states what the scripted core answers and what the gate
 * does.
 */
public class CoreSessionTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ASK = "application_1_0001#1#0";

  private long now = 1000;
  private final List<JsonNode> sent = new ArrayList<>();
  /** Each entry answers one exchange; returning null makes the call throw, like a dead core. */
  private final Deque<Function<JsonNode, String>> script = new ArrayDeque<>();
  private int connects;
  private boolean refuseConnect;

  private final ElasticSchedulerMetrics metrics = new ElasticSchedulerMetrics();
  private int wakes;

  /** A session and the gate it drives, as ElasticScheduler wires them. */
  private static final class Link {
    final CoreSession session;
    final PlanGate gate;

    Link(CoreSession session, PlanGate gate) {
      this.session = session;
      this.gate = gate;
    }

    void step() {
      session.step();
    }

    boolean isActive() {
      return gate.isEngaged();
    }

    boolean permits(String ask, String node) {
      return gate.permits(ask, node);
    }

    void allocated(String ask, String node) {
      gate.allocated(ask, node);
    }
  }

  private Link link() {
    Configuration conf = new Configuration(false);
    conf.set(ElasticConfiguration.CORE_COMMAND, "unused");
    ElasticConfiguration elastic = ElasticConfiguration.from(conf);
    ClusterState state = new ClusterState(Collections.<ClusterState.NodeState>emptyList(),
        Collections.<ClusterState.AppState>emptyList(),
        Collections.<ClusterState.AskState>emptyList(),
        Collections.<ClusterState.ContainerState>emptyList());
    CoreSession.Connector connector = () -> {
      connects++;
      if (refuseConnect) {
        throw new IOException("Connection refused");
      }
      return new CoreSession.Exchanger() {
        @Override
        public byte[] exchange(byte[] message) {
          try {
            JsonNode request = MAPPER.readTree(message);
            sent.add(request);
            Function<JsonNode, String> answer = script.poll();
            String reply = answer == null ? null : answer.apply(request);
            if (reply == null) {
              throw new RuntimeException("Error while sending a command");
            }
            return reply.getBytes(StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        }

        @Override
        public void close() {
        }
      };
    };
    PlanGate gate = new PlanGate(elastic.planTtlMs, () -> now, metrics, () -> wakes++);
    return new Link(new CoreSession(elastic, "rm-1", () -> state, connector, null, metrics,
        () -> now, gate, null), gate);
  }

  private static String hello() {
    return "{\"schema\":1,\"type\":\"hello_reply\",\"core_version\":\"t\",\"status\":\"ok\","
        + "\"message\":\"\"}";
  }

  private static Function<JsonNode, String> placeOn(String node, int count) {
    return request -> "{\"schema\":1,\"type\":\"cycle_reply\",\"seq\":" + request.get("seq")
        + ",\"status\":\"ok\",\"message\":\"\",\"decide_ms\":0.1,\"placements\":[{\"ask\":\""
        + ASK + "\",\"node\":\"" + node + "\",\"count\":" + count + ",\"score\":0.5}]}";
  }

  @Test
  public void gateFollowsThePlanWhileTheCoreAnswers() {
    Link link = link();
    assertTrue("before the core answers, stock scheduling", link.permits(ASK, "a:1"));
    script.add(r -> hello());
    script.add(placeOn("a:1", 1));
    link.step();
    assertTrue(link.isActive());
    assertEquals("full", sent.get(1).get("kind").asText());
    assertTrue(link.permits(ASK, "a:1"));
    assertFalse("another node is refused", link.permits(ASK, "b:1"));
    link.allocated(ASK, "a:1");
    assertEquals("a used-up entry asks for the next cycle early", 1, wakes);
    assertFalse("the planned count is used up", link.permits(ASK, "a:1"));
    assertEquals(1, metrics.plannedAllocations.get());
    assertEquals(ElasticSchedulerMetrics.STATE_ACTIVE, metrics.coreState());
  }

  @Test
  public void deadCoreMeansStockSchedulingAndBackoff() {
    Link link = link();
    script.add(r -> hello());
    script.add(placeOn("a:1", 1));
    link.step();
    script.add(r -> null); // the core dies mid-cycle
    now += 250;
    link.step();
    assertFalse(link.isActive());
    assertTrue("fallback opens the gate", link.permits(ASK, "b:1"));
    assertEquals(1, metrics.fallbacks.get());
    assertEquals(ElasticSchedulerMetrics.STATE_FALLBACK, metrics.coreState());

    // Retries wait for the backoff: 500 ms, then 1000 ms after the next failure.
    refuseConnect = true;
    int before = connects;
    now += 100;
    link.step();
    assertEquals("no retry inside the backoff", before, connects);
    now += 500;
    link.step();
    assertEquals(before + 1, connects);
    now += 600;
    link.step();
    assertEquals("backoff doubled", before + 1, connects);

    // The core is back: it gets the whole picture again.
    refuseConnect = false;
    now += 1000;
    script.add(r -> hello());
    script.add(placeOn("b:1", 1));
    link.step();
    assertTrue(link.isActive());
    assertEquals("full", sent.get(sent.size() - 1).get("kind").asText());
    assertTrue(link.permits(ASK, "b:1"));
  }

  @Test
  public void wrongSchemaIsRefusedAndFallsBack() {
    Link link = link();
    script.add(r -> "{\"schema\":2,\"type\":\"hello_reply\",\"core_version\":\"9\","
        + "\"status\":\"incompatible\",\"message\":\"\"}");
    link.step();
    assertFalse(link.isActive());
    assertTrue(link.permits(ASK, "any:1"));
  }

  @Test
  public void malformedReplyFallsBack() {
    Link link = link();
    script.add(r -> hello());
    script.add(r -> "{\"schema\":1,\"type\":\"cycle_reply\",\"seq\":" + r.get("seq")
        + ",\"status\":\"ok\",\"message\":\"\",\"decide_ms\":1,\"placements\":[{\"ask\":1}]}");
    link.step();
    assertFalse(link.isActive());
  }

  @Test
  public void needFullIsHonouredNextCycle() {
    Link link = link();
    script.add(r -> hello());
    script.add(placeOn("a:1", 1));
    link.step();
    script.add(r -> "{\"schema\":1,\"type\":\"cycle_reply\",\"seq\":" + r.get("seq")
        + ",\"status\":\"need_full\",\"message\":\"gap\",\"decide_ms\":0,\"placements\":[]}");
    link.step();
    assertEquals("delta", sent.get(sent.size() - 1).get("kind").asText());
    script.add(placeOn("a:1", 1));
    link.step();
    assertEquals("full", sent.get(sent.size() - 1).get("kind").asText());
    assertTrue(link.isActive());
  }

  @Test
  public void stalePlanOpensTheGate() {
    Link link = link();
    script.add(r -> hello());
    script.add(placeOn("a:1", 1));
    link.step();
    assertFalse(link.permits(ASK, "b:1"));
    now += 6000; // beyond the 5000 ms plan ttl, with the cycle thread stuck
    assertTrue(link.permits(ASK, "b:1"));
  }
}

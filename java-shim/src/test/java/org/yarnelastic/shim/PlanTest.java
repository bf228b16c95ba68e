/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertEquals;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import org.junit.Test;

public class PlanTest {

  @Test
  public void permitsExactlyThePlannedCountOnThePlannedNode() {
    Map<String, Integer> nodes = new HashMap<>();
    nodes.put("a:1", 2);
    Plan plan = new Plan(1, 0, Collections.singletonMap("app#1#0", nodes));
    assertEquals(Plan.Verdict.NOT_IN_PLAN, plan.check("app#1#0", "b:1"));
    assertEquals(Plan.Verdict.NOT_IN_PLAN, plan.check("other#1#0", "a:1"));
    assertEquals(Plan.Verdict.PERMITTED, plan.check("app#1#0", "a:1"));
    assertEquals(1, plan.consume("app#1#0", "a:1"));
    assertEquals(0, plan.consume("app#1#0", "a:1"));
    assertEquals(Plan.Verdict.USED_UP, plan.check("app#1#0", "a:1"));
    assertEquals(-1, plan.consume("app#1#0", "a:1"));
    assertEquals(-1, plan.consume("app#1#0", "b:1"));
    assertEquals(1, plan.entries());
  }

  @Test
  public void askKeyMatchesTheInterface() {
    assertEquals("application_1700000000000_0001#1#0",
        Plan.askKey("application_1700000000000_0001", 1, 0));
  }
}

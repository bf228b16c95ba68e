/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.Test;

public class ElasticConfigurationTest {

  private static Configuration conf(String... keyValues) {
    Configuration conf = new Configuration(false);
    conf.set(ElasticConfiguration.CORE_COMMAND, "yarn-elastic core");
    for (int i = 0; i < keyValues.length; i += 2) {
      conf.set(keyValues[i], keyValues[i + 1]);
    }
    return conf;
  }

  private static void assertRejected(Configuration conf, String key, String... words) {
    try {
      ElasticConfiguration.from(conf);
      fail("accepted " + key);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage(), e.getMessage().contains(key));
      for (String word : words) {
        assertTrue(e.getMessage(), e.getMessage().contains(word));
      }
    }
  }

  @Test
  public void defaults() {
    ElasticConfiguration c = ElasticConfiguration.from(conf());
    assertTrue(c.enabled);
    assertEquals(200, c.deadlineMs);
    assertEquals(250, c.cycleIntervalMs);
    assertEquals(25334, c.coreAddress.getPort());
    assertTrue(c.launchesCore());
  }

  @Test
  public void shrunkContainersAreRecordedOnlyWhereTheRmRecovers() {
    assertEquals("", ElasticConfiguration.from(conf()).recoveryFileUri(conf()));
    Configuration recovering = conf(YarnConfiguration.RECOVERY_ENABLED, "true",
        "hadoop.tmp.dir", "/var/tmp/rm");
    assertEquals("file:/var/tmp/rm/yarn-elastic/shrunk-containers",
        ElasticConfiguration.from(recovering).recoveryFileUri(recovering));
    recovering.set(ElasticConfiguration.RESIZE_RECOVERY_FILE, "hdfs://nn:8020/yarn/shrunk");
    assertEquals("hdfs://nn:8020/yarn/shrunk",
        ElasticConfiguration.from(recovering).recoveryFileUri(recovering));
  }

  @Test
  public void badValuesNameTheKeyAndWhatIsValid() {
    assertRejected(conf(ElasticConfiguration.CORE_DEADLINE_MS, "soon"),
        ElasticConfiguration.CORE_DEADLINE_MS, "soon", "greater than 0");
    assertRejected(conf(ElasticConfiguration.CYCLE_INTERVAL_MS, "-5"),
        ElasticConfiguration.CYCLE_INTERVAL_MS);
    assertRejected(conf(ElasticConfiguration.RESIZE_ENABLED, "sometimes"),
        ElasticConfiguration.RESIZE_ENABLED, "true or false");
    assertRejected(conf(ElasticConfiguration.ENABLED, "yes"), ElasticConfiguration.ENABLED,
        "true or false");
    assertRejected(conf(ElasticConfiguration.CORE_ADDRESS, "localhost"),
        ElasticConfiguration.CORE_ADDRESS, "host:port");
    assertRejected(conf(ElasticConfiguration.CORE_ADDRESS, "h:99999"),
        ElasticConfiguration.CORE_ADDRESS);
    assertRejected(conf(ElasticConfiguration.NODE_DISK_MB_PER_S, "0"),
        ElasticConfiguration.NODE_DISK_MB_PER_S);
    assertRejected(conf(ElasticConfiguration.PLAN_TTL_MS, "100"),
        ElasticConfiguration.PLAN_TTL_MS);
  }

  @Test
  public void externalCoreNeedsAToken() {
    Configuration conf = new Configuration(false);
    assertRejected(conf, ElasticConfiguration.CORE_AUTH_TOKEN_FILE);
  }
}

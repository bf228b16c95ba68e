/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainer;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.ContainerUpdates;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.common.fica.FiCaSchedulerApp;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The record that lets a restarted RM grow back what an earlier one shrank. */
public class ShrunkContainersTest {

  private static final String A = "container_1796223873446_0005_01_000003";
  private static final String B = "container_e01_1796223873446_0005_01_000004";

  @Rule
  public TemporaryFolder folder = new TemporaryFolder();

  private long now = 1_000_000;
  private final Map<ContainerId, RMContainer> live = new HashMap<>();

  private final ContainerResizer.Scheduler scheduler = new ContainerResizer.Scheduler() {
    @Override
    public RMContainer container(ContainerId id) {
      return live.get(id);
    }

    @Override
    public FiCaSchedulerApp attemptOf(ContainerId id) {
      return null;
    }

    @Override
    public void update(FiCaSchedulerApp attempt, ContainerUpdates updates) {
      throw new AssertionError("the record never resizes");
    }
  };

  private void running(String id, long memoryMb, int vcores) {
    RMContainer container = mock(RMContainer.class);
    when(container.getAllocatedResource()).thenReturn(Resource.newInstance(memoryMb, vcores));
    live.put(ContainerId.fromString(id), container);
  }

  private ShrunkContainersFile file(String name) {
    return new ShrunkContainersFile(new File(folder.getRoot(), name).toURI().toString(),
        new Configuration());
  }

  @Test
  public void aRestartedRmReadsBackTheRequestsOfShrunkContainers() throws Exception {
    ShrunkContainersFile first = file("shrunk");
    ShrunkContainers before = ShrunkContainers.open(first, () -> now);
    running(A, 128, 1);
    running(B, 512, 1);
    before.shrank(ContainerId.fromString(A), new double[] {1, 1024, 0, 0});
    before.shrank(ContainerId.fromString(B), new double[] {2, 2048, 0, 0});
    before.settle(scheduler, Collections.<ContainerId>emptySet());
    first.close(); // the RM stops; what it handed over is written

    ShrunkContainers after = ShrunkContainers.open(file("shrunk"), () -> now);
    assertArrayEquals(new double[] {1, 1024, 0, 0}, after.requestOf(A), 0);
    assertArrayEquals(new double[] {2, 2048, 0, 0}, after.requestOf(B), 0);
    assertEquals(2, after.ids().size());
  }

  @Test
  public void aContainerBackAtItsRequestOrGoneIsForgotten() {
    ShrunkContainers shrunk = ShrunkContainers.open(ShrunkContainers.NONE, () -> now);
    running(A, 1024, 1); // grown back: 1024 MB of 1024, 1 vcore of 1
    shrunk.shrank(ContainerId.fromString(A), new double[] {1, 1024, 0, 0});
    shrunk.shrank(ContainerId.fromString(B), new double[] {1, 1024, 0, 0}); // not running
    shrunk.settle(scheduler, Collections.<ContainerId>emptySet());
    assertNull(shrunk.requestOf(A));
    assertNull(shrunk.requestOf(B));
  }

  @Test
  public void aContainerWhoseDecreaseIsInFlightIsKept() {
    ShrunkContainers shrunk = ShrunkContainers.open(ShrunkContainers.NONE, () -> now);
    running(A, 1024, 1); // the decrease to 128 MB is issued, not yet carried out
    shrunk.shrank(ContainerId.fromString(A), new double[] {1, 1024, 0, 0});
    shrunk.settle(scheduler, Collections.singleton(ContainerId.fromString(A)));
    assertArrayEquals(new double[] {1, 1024, 0, 0}, shrunk.requestOf(A), 0);
  }

  @Test
  public void aRecoveredContainerIsAwaitedUntilItsNodeManagerWouldHaveExpired()
      throws Exception {
    File record = folder.newFile("kept");
    Files.write(record.toPath(), (ShrunkContainersFile.HEADER + "\n" + A + " 1 1024\n")
        .getBytes(StandardCharsets.UTF_8));
    ShrunkContainers shrunk = ShrunkContainers.open(file("kept"), () -> now);
    shrunk.settle(scheduler, Collections.<ContainerId>emptySet()); // its NodeManager has not re-registered yet
    now += ShrunkContainers.RECOVERY_GRACE_MS;
    shrunk.settle(scheduler, Collections.<ContainerId>emptySet());
    assertArrayEquals(new double[] {1, 1024, 0, 0}, shrunk.requestOf(A), 0);
    now += 1;
    shrunk.settle(scheduler, Collections.<ContainerId>emptySet());
    assertNull(shrunk.requestOf(A));
  }

  @Test
  public void aBadRecordIsSkippedLineByLineAndAForeignFileIsIgnored() throws Exception {
    File record = folder.newFile("bad");
    Files.write(record.toPath(), (ShrunkContainersFile.HEADER + "\n" + A + " 1 1024\n"
        + "not-a-container 1 1024\n" + B + " one 1024\n" + B + " 1 -5\n\n")
        .getBytes(StandardCharsets.UTF_8));
    ShrunkContainers shrunk = ShrunkContainers.open(file("bad"), () -> now);
    assertEquals(1, shrunk.ids().size());
    assertArrayEquals(new double[] {1, 1024, 0, 0}, shrunk.requestOf(A), 0);

    File foreign = folder.newFile("foreign");
    Files.write(foreign.toPath(), "{\"some\": \"json\"}\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(0, ShrunkContainers.open(file("foreign"), () -> now).ids().size());
    assertEquals(0, ShrunkContainers.open(file("missing"), () -> now).ids().size());
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.hadoop.metrics2.MetricsCollector;
import org.apache.hadoop.metrics2.MetricsInfo;
import org.apache.hadoop.metrics2.MetricsSource;
import org.apache.hadoop.metrics2.lib.DefaultMetricsSystem;
import org.apache.hadoop.metrics2.lib.Interns;

/**
 * The shim's metrics, published through Hadoop metrics2 as {@code ElasticScheduler}: on the
 * RM's {@code /jmx} page as {@code Hadoop:service=ResourceManager,name=ElasticScheduler}, and to
 * whatever sinks the operator configured.
 */
public final class ElasticSchedulerMetrics implements MetricsSource {

  public static final String NAME = "ElasticScheduler";

  /** Values of the {@code CoreState} gauge. */
  public static final int STATE_DISABLED = -1;
  public static final int STATE_FALLBACK = 0;
  public static final int STATE_ACTIVE = 1;

  private volatile int coreState = STATE_FALLBACK;
  private volatile long lastCycleMicros;
  private volatile long lastDecideMicros;
  private volatile long lastRequestBytes;
  private volatile long planEntries;
  private volatile int shrunkContainers;
  final AtomicLong cycles = new AtomicLong();
  final AtomicLong cycleFailures = new AtomicLong();
  final AtomicLong fallbacks = new AtomicLong();
  final AtomicLong coreStarts = new AtomicLong();
  final AtomicLong gateDenials = new AtomicLong();
  final AtomicLong plannedAllocations = new AtomicLong();
  final AtomicLong fallbackAllocations = new AtomicLong();
  final AtomicLong resizesIssued = new AtomicLong();
  final AtomicLong resizesApplied = new AtomicLong();
  final AtomicLong resizesRefused = new AtomicLong();
  final AtomicLong resizesExpired = new AtomicLong();
  final AtomicLong resizesRestored = new AtomicLong();

  static ElasticSchedulerMetrics register() {
    ElasticSchedulerMetrics metrics = new ElasticSchedulerMetrics();
    try {
      DefaultMetricsSystem.instance().register(NAME,
          "yarn-elastic shim: core link state and scheduling cycles", metrics);
    } catch (RuntimeException alreadyRegistered) {
      // A second scheduler in one JVM (tests) keeps the first registration.
    }
    return metrics;
  }

  static void unregister() {
    try {
      DefaultMetricsSystem.instance().unregisterSource(NAME);
    } catch (RuntimeException ignored) {
      // nothing was registered
    }
  }

  void setCoreState(int state) {
    coreState = state;
  }

  void setShrunkContainers(int count) {
    shrunkContainers = count;
  }

  public int coreState() {
    return coreState;
  }

  void cycleDone(long cycleMicros, double decideMs, long requestBytes, int entries) {
    cycles.incrementAndGet();
    lastCycleMicros = cycleMicros;
    lastDecideMicros = (long) (decideMs * 1000);
    lastRequestBytes = requestBytes;
    planEntries = entries;
  }

  @Override
  public void getMetrics(MetricsCollector collector, boolean all) {
    collector.addRecord(NAME).setContext("yarn")
        .addGauge(info("CoreState", "1 = the core decides, 0 = fallback to stock, -1 = disabled"),
            coreState)
        .addCounter(info("Cycles", "scheduling cycles answered by the core"), cycles.get())
        .addCounter(info("CycleFailures", "cycles that failed and caused a fallback"),
            cycleFailures.get())
        .addCounter(info("Fallbacks", "changes from core-driven to stock scheduling"),
            fallbacks.get())
        .addCounter(info("CoreStarts", "times the shim started the core process"),
            coreStarts.get())
        .addGauge(info("LastCycleMicros", "last cycle end to end, in microseconds"),
            lastCycleMicros)
        .addGauge(info("LastDecideMicros", "time the core spent deciding in the last cycle"),
            lastDecideMicros)
        .addGauge(info("LastRequestBytes", "size of the last cycle request"), lastRequestBytes)
        .addGauge(info("PlanEntries", "(ask, node) pairs in the current plan"), planEntries)
        .addCounter(info("GateDenials", "allocation attempts refused because the plan said"
            + " another node"), gateDenials.get())
        .addCounter(info("PlannedAllocations", "containers allocated as the core planned"),
            plannedAllocations.get())
        .addCounter(info("FallbackAllocations", "containers allocated by stock scheduling"),
            fallbackAllocations.get())
        .addCounter(info("ResizesIssued", "container updates the shim handed to"
            + " CapacityScheduler for the core"), resizesIssued.get())
        .addCounter(info("ResizesApplied", "issued container updates the RM carried out"),
            resizesApplied.get())
        .addCounter(info("ResizesRefused", "resizes from the core the shim refused (unknown"
            + " container, stale version, above the request, scheduler error)"),
            resizesRefused.get())
        .addCounter(info("ResizesExpired", "issued container updates not carried out within"
            + " 30 s"), resizesExpired.get())
        .addCounter(info("ResizesRestored", "shrunk containers asked back to their request"
            + " when the core went away"), resizesRestored.get())
        .addGauge(info("ShrunkContainers", "running containers the shim holds below their"
            + " request (kept across an RM restart with recovery on)"), shrunkContainers);
  }

  private static MetricsInfo info(String name, String description) {
    return Interns.info(name, description);
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The cycle thread's timing: one step every {@code yarn.elastic.cycle.interval-ms}, or
 * sooner, but never within {@code yarn.elastic.cycle.min-interval-ms} of the last, when an RM
 * thread asks for one ({@link #wake}). What a step does is the session's ({@link CoreSession}).
 */
final class CycleLoop implements Runnable {

  private final long minIntervalMs;
  private final long intervalMs;
  private volatile Runnable step;
  /** Set by RM threads when new work may be placeable; the cycle thread runs early. */
  private volatile boolean wakeRequested;
  private volatile boolean running;
  private volatile Thread thread;

  CycleLoop(long minIntervalMs, long intervalMs) {
    this.minIntervalMs = minIntervalMs;
    this.intervalMs = intervalMs;
  }

  void start(Runnable stepToRun) {
    step = stepToRun;
    running = true;
    Thread started = new Thread(this, "yarn-elastic-cycle");
    started.setDaemon(true);
    thread = started;
    started.start();
  }

  /** Stops the thread, waiting up to 5 s for the step in progress. */
  void stop() {
    running = false;
    Thread cycleThread = thread;
    if (cycleThread != null) {
      LockSupport.unpark(cycleThread);
      cycleThread.interrupt();
      try {
        cycleThread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Asks for the next step as soon as the minimum interval allows: an AM asked for
   * containers, or a plan entry was used up while asks wait. Never blocks the caller.
   */
  void wake() {
    wakeRequested = true;
    Thread cycleThread = thread;
    if (cycleThread != null) {
      LockSupport.unpark(cycleThread);
    }
  }

  @Override
  public void run() {
    while (running) {
      long started = System.nanoTime();
      wakeRequested = false; // wakes from here on lead to the next step
      step.run();
      long earliest = started + TimeUnit.MILLISECONDS.toNanos(minIntervalMs);
      long latest = started + TimeUnit.MILLISECONDS.toNanos(intervalMs);
      while (running) {
        long now = System.nanoTime();
        if (now >= latest || (wakeRequested && now >= earliest)) {
          break;
        }
        LockSupport.parkNanos((wakeRequested ? earliest : latest) - now);
      }
    }
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shim's session with the core, and its state machine. Only the cycle thread runs it.
 *
 * <p>Each {@link #step}: connect if the backoff allows, then one cycle: read the cluster, send
 * what changed, install the reply as the gate's new plan and hand its resizes to the resizer.
 * Two states:
 * <ul>
 *   <li>ACTIVE: the core answered the last cycle in time; the gate is engaged (the gate
 *   holds the state, so the session and the RM threads read one flag).</li>
 *   <li>FALLBACK: the core is not started, crashed, too slow, or speaks another schema; the gate
 *   is open and CapacityScheduler schedules as stock. The session retries with exponential
 *   backoff and sends a full picture when the core is back.</li>
 * </ul>
 * Each change of state is logged once, with the reason.
 */
final class CoreSession {

  private static final Logger LOG = LoggerFactory.getLogger(CoreSession.class);
  static final String SHIM_VERSION = "0.1.0";

  /** Opens a connection; a seam so tests can drive the session without Py4J. */
  interface Connector {
    Exchanger connect() throws IOException;
  }

  /** One open connection. */
  interface Exchanger extends AutoCloseable {
    byte[] exchange(byte[] message);

    @Override
    void close();
  }

  private final ElasticConfiguration conf;
  private final String rmId;
  private final Supplier<ClusterState> cluster;
  private final Connector connector;
  private final CoreProcess process;
  private final ElasticSchedulerMetrics metrics;
  private final Clock clock;
  private final CycleRequestEncoder encoder;
  private final PlanGate gate;
  /** Applies the core's resizes; null when resizing is off. */
  private final ContainerResizer resizer;
  /** Whether the connected core agreed to send resizes (hello capabilities). */
  private boolean resizing;

  private Exchanger connection;
  private long backoffMs;
  private long nextAttemptMs;
  private String lastFailure = "";

  CoreSession(ElasticConfiguration conf, String rmId, Supplier<ClusterState> cluster,
      Connector connector, CoreProcess process, ElasticSchedulerMetrics metrics, Clock clock,
      PlanGate gate, ContainerResizer resizer) {
    this.conf = conf;
    this.rmId = rmId;
    this.cluster = cluster;
    this.connector = connector;
    this.process = process;
    this.metrics = metrics;
    this.clock = clock;
    this.gate = gate;
    this.resizer = resizer;
    this.encoder = new CycleRequestEncoder(rmId, conf.slotMs);
    this.backoffMs = conf.retryInitialMs;
  }

  void logStart() {
    LOG.info("yarn-elastic shim {} starting: core at {} ({}), cycle every {} ms (at most every"
        + " {} ms when new asks arrive), deadline {} ms, plan ttl {} ms; scheduling is stock"
        + " CapacityScheduler until the core answers", SHIM_VERSION, conf.coreAddressText,
        conf.launchesCore() ? "launched by the RM" : "external", conf.cycleIntervalMs,
        conf.cycleMinIntervalMs, conf.deadlineMs, conf.planTtlMs);
  }

  /** One turn: connect if needed, then run one cycle. Never throws. */
  void step() {
    try {
      if (!gate.isEngaged() && clock.nowMs() >= nextAttemptMs) {
        connect();
      }
      if (gate.isEngaged()) {
        cycle();
      }
    } catch (MessageException e) {
      fallBack("the core sent a message the shim rejects: " + e.getMessage());
    } catch (Throwable t) { // NOPMD: any failure of the core must leave the RM scheduling
      fallBack(describe(t));
    }
  }

  /** Closes the connection and stops the core the RM launched, if it did. */
  void close() {
    closeConnection();
    if (process != null) {
      process.stop();
    }
  }

  private void connect() throws IOException, MessageException {
    if (process != null && process.ensureRunning()) {
      metrics.coreStarts.incrementAndGet();
    }
    closeConnection();
    connection = connector.connect();
    List<String> offered = resizer == null ? Collections.<String>emptyList()
        : Collections.singletonList(MessageCodec.CAPABILITY_RESIZE);
    MessageCodec.HelloReply hello = MessageCodec.decodeHelloReply(connection.exchange(
        MessageCodec.hello(rmId, SHIM_VERSION, MessageCodec.SCHEMA, offered)));
    if (hello.status.equals("incompatible") && hello.schema < MessageCodec.SCHEMA) {
      // An older core: speak its schema, which has placements only.
      LOG.info("yarn-elastic core {} speaks schema {}; this shim speaks it too, without"
          + " resizes", hello.coreVersion, hello.schema);
      hello = MessageCodec.decodeHelloReply(connection.exchange(
          MessageCodec.hello(rmId, SHIM_VERSION, hello.schema, offered)));
    }
    if (!hello.status.equals("ok")) {
      throw new MessageException("the core (version " + hello.coreVersion + ", schema "
          + hello.schema + ") refused: " + hello.message);
    }
    encoder.useSchema(hello.schema);
    resizing = resizer != null && hello.capabilities.contains(MessageCodec.CAPABILITY_RESIZE);
    encoder.requireFull();
    gate.engage();
    backoffMs = conf.retryInitialMs;
    lastFailure = "";
    metrics.setCoreState(ElasticSchedulerMetrics.STATE_ACTIVE);
    LOG.info("yarn-elastic core {} connected at {} (schema {}): containers are now placed where"
        + " the core decides{}", hello.coreVersion, conf.coreAddressText, hello.schema,
        resizing ? ", and running containers are resized along their predicted curves"
            : (resizer == null ? " (resizing is off: " + ElasticConfiguration.RESIZE_ENABLED
                + "=false)" : " (this core sends no resizes)"));
  }

  private void cycle() throws MessageException {
    long started = System.nanoTime();
    byte[] request = encoder.encode(cluster.get(), clock.nowMs());
    long seq = encoder.lastSeq();
    MessageCodec.CycleReply reply = MessageCodec.decodeCycleReply(connection.exchange(request));
    if (reply.seq != seq) {
      throw new MessageException("seq: the reply is for cycle " + reply.seq
          + " but the request was cycle " + seq);
    }
    if (reply.status.equals("error")) {
      throw new MessageException("status: the core rejected cycle " + seq + ": " + reply.message);
    }
    if (reply.status.equals("need_full")) {
      LOG.info("yarn-elastic core asked for the full cluster picture ({}); sending it next cycle",
          reply.message);
      encoder.requireFull();
      return;
    }
    Plan next = Plan.of(seq, clock.nowMs(), reply.placements);
    gate.install(next);
    if (resizing) {
      resizer.apply(reply.resizes);
    } else if (!reply.resizes.isEmpty()) {
      metrics.resizesRefused.addAndGet(reply.resizes.size());
      LOG.warn("yarn-elastic core sent {} resizes it did not agree to send; ignored",
          reply.resizes.size());
    }
    metrics.cycleDone((System.nanoTime() - started) / 1000, reply.decideMs, request.length,
        next.entries());
    if (LOG.isDebugEnabled()) {
      LOG.debug("cycle {}: {} bytes sent, {} placements, core decided in {} ms", seq,
          request.length, reply.placements.size(), reply.decideMs);
    }
  }

  private void fallBack(String reason) {
    encoder.requireFull();
    closeConnection();
    long now = clock.nowMs();
    nextAttemptMs = now + backoffMs;
    if (gate.isEngaged()) {
      gate.open();
      if (resizer != null) {
        resizer.restoreAll();
      }
      metrics.cycleFailures.incrementAndGet();
      metrics.fallbacks.incrementAndGet();
      metrics.setCoreState(ElasticSchedulerMetrics.STATE_FALLBACK);
      LOG.warn("yarn-elastic core unavailable: {}. Scheduling falls back to stock"
          + " CapacityScheduler; retrying in {} ms", reason, backoffMs);
    } else if (!reason.equals(lastFailure)) {
      LOG.warn("yarn-elastic core still unavailable: {}. Retrying in {} ms (stock scheduling"
          + " continues)", reason, backoffMs);
    } else {
      LOG.debug("yarn-elastic core still unavailable: {}", reason);
    }
    lastFailure = reason;
    backoffMs = Math.min(backoffMs * 2, conf.retryMaxMs);
  }

  private void closeConnection() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  private static String describe(Throwable t) {
    StringBuilder text = new StringBuilder(t.getClass().getSimpleName());
    if (t.getMessage() != null) {
      text.append(": ").append(t.getMessage().split("\n", 2)[0]);
    }
    Throwable cause = t.getCause();
    if (cause != null && cause != t) {
      text.append(" (caused by ").append(cause.getClass().getSimpleName());
      if (cause.getMessage() != null) {
        text.append(": ").append(cause.getMessage().split("\n", 2)[0]);
      }
      text.append(')');
    }
    return text.toString();
  }
}

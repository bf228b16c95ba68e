/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.Locale;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/**
 * Every {@code yarn.elastic.*} key the shim reads, with its default and its valid values.
 * {@link #from(Configuration)} validates them all at RM start: a bad value stops the RM with a
 * message that names the key, the value and what would be valid (docs/configuration.md).
 */
public final class ElasticConfiguration {

  public static final String PREFIX = "yarn.elastic.";

  public static final String ENABLED = PREFIX + "enabled";
  public static final String CORE_COMMAND = PREFIX + "core.command";
  public static final String CORE_ADDRESS = PREFIX + "core.address";
  public static final String CORE_AUTH_TOKEN_FILE = PREFIX + "core.auth-token-file";
  public static final String CORE_LOG_FILE = PREFIX + "core.log-file";
  public static final String CORE_DEADLINE_MS = PREFIX + "core.deadline-ms";
  public static final String CYCLE_INTERVAL_MS = PREFIX + "cycle.interval-ms";
  public static final String CYCLE_MIN_INTERVAL_MS = PREFIX + "cycle.min-interval-ms";
  public static final String PLAN_TTL_MS = PREFIX + "plan.ttl-ms";
  public static final String RETRY_INITIAL_MS = PREFIX + "core.retry.initial-backoff-ms";
  public static final String RETRY_MAX_MS = PREFIX + "core.retry.max-backoff-ms";
  public static final String SLOT_MS = PREFIX + "slot-ms";
  public static final String NODE_DISK_MB_PER_S = PREFIX + "node.disk-mb-per-s";
  public static final String NODE_NETWORK_MB_PER_S = PREFIX + "node.network-mb-per-s";
  public static final String RESIZE_ENABLED = PREFIX + "resize.enabled";
  public static final String RESIZE_RECOVERY_FILE = PREFIX + "resize.recovery-file";

  public static final String DEFAULT_CORE_ADDRESS = "127.0.0.1:25334";

  public final boolean enabled;
  /** Empty when the core runs on its own and the shim only connects. */
  public final String coreCommand;
  public final InetSocketAddress coreAddress;
  /** {@link #coreAddress} as the operator wrote it, for log lines. */
  public final String coreAddressText;
  /** Empty in launch mode without a configured file: the shim then mints a private token. */
  public final String authTokenFile;
  public final String coreLogFile;
  public final int deadlineMs;
  public final int cycleIntervalMs;
  public final int cycleMinIntervalMs;
  public final int planTtlMs;
  public final int retryInitialMs;
  public final int retryMaxMs;
  public final int slotMs;
  public final double nodeDiskMbPerS;
  public final double nodeNetworkMbPerS;
  /** Whether the shim applies the core's resizes of running containers. */
  public final boolean resizeEnabled;
  /** As configured; {@link #recoveryFileUri} says where the record goes. */
  public final String resizeRecoveryFile;

  private ElasticConfiguration(Configuration conf) {
    enabled = parseBoolean(conf, ENABLED, true);
    coreCommand = conf.getTrimmed(CORE_COMMAND, "");
    coreAddressText = conf.getTrimmed(CORE_ADDRESS, DEFAULT_CORE_ADDRESS);
    coreAddress = parseAddress(coreAddressText);
    authTokenFile = conf.getTrimmed(CORE_AUTH_TOKEN_FILE, "");
    coreLogFile = conf.getTrimmed(CORE_LOG_FILE, defaultLogFile());
    deadlineMs = positiveInt(conf, CORE_DEADLINE_MS, 200);
    cycleIntervalMs = positiveInt(conf, CYCLE_INTERVAL_MS, 250);
    cycleMinIntervalMs = positiveInt(conf, CYCLE_MIN_INTERVAL_MS, 20);
    planTtlMs = positiveInt(conf, PLAN_TTL_MS, 5000);
    retryInitialMs = positiveInt(conf, RETRY_INITIAL_MS, 500);
    retryMaxMs = positiveInt(conf, RETRY_MAX_MS, 30000);
    slotMs = positiveInt(conf, SLOT_MS, 3000);
    nodeDiskMbPerS = positiveDouble(conf, NODE_DISK_MB_PER_S, 200.0);
    nodeNetworkMbPerS = positiveDouble(conf, NODE_NETWORK_MB_PER_S, 1250.0);
    resizeEnabled = parseBoolean(conf, RESIZE_ENABLED, true);
    resizeRecoveryFile = conf.getTrimmed(RESIZE_RECOVERY_FILE, "");
    if (enabled && coreCommand.isEmpty() && authTokenFile.isEmpty()) {
      throw invalid(CORE_AUTH_TOKEN_FILE, "",
          "a readable file holding the core's auth token; it is required when the core runs on"
              + " its own (" + CORE_COMMAND + " is empty)");
    }
    if (planTtlMs < deadlineMs + cycleIntervalMs) {
      throw invalid(PLAN_TTL_MS, String.valueOf(planTtlMs),
          "at least " + CORE_DEADLINE_MS + " + " + CYCLE_INTERVAL_MS + " = "
              + (deadlineMs + cycleIntervalMs) + " ms, or every plan expires before the next");
    }
    if (cycleMinIntervalMs > cycleIntervalMs) {
      throw invalid(CYCLE_MIN_INTERVAL_MS, String.valueOf(cycleMinIntervalMs),
          "at most " + CYCLE_INTERVAL_MS + " (" + cycleIntervalMs + ")");
    }
    if (retryMaxMs < retryInitialMs) {
      throw invalid(RETRY_MAX_MS, String.valueOf(retryMaxMs),
          "at least " + RETRY_INITIAL_MS + " (" + retryInitialMs + ")");
    }
  }

  /** Reads and validates every key; throws {@link IllegalArgumentException} naming a bad one. */
  public static ElasticConfiguration from(Configuration conf) {
    return new ElasticConfiguration(conf);
  }

  public boolean launchesCore() {
    return !coreCommand.isEmpty();
  }

  /**
   * Where the requests of shrunk containers outlive the RM, as a Hadoop file system URI: the
   * configured file, else one under {@code hadoop.tmp.dir}; empty when RM recovery is off, as
   * nothing outlives the RM then.
   */
  public String recoveryFileUri(Configuration conf) {
    if (!conf.getBoolean(YarnConfiguration.RECOVERY_ENABLED,
        YarnConfiguration.DEFAULT_RM_RECOVERY_ENABLED)) {
      return "";
    }
    if (!resizeRecoveryFile.isEmpty()) {
      return resizeRecoveryFile;
    }
    return new File(conf.get("hadoop.tmp.dir", System.getProperty("java.io.tmpdir")),
        "yarn-elastic/shrunk-containers").toURI().toString();
  }

  private static String defaultLogFile() {
    String dir = System.getProperty("yarn.log.dir");
    if (dir == null || dir.isEmpty()) {
      dir = System.getProperty("java.io.tmpdir");
    }
    return dir + "/yarn-elastic-core.log";
  }

  private static IllegalArgumentException invalid(String key, String value, String valid) {
    return new IllegalArgumentException(
        "Invalid value '" + value + "' for " + key + "; valid values: " + valid);
  }

  private static boolean parseBoolean(Configuration conf, String key, boolean dflt) {
    String raw = conf.getTrimmed(key);
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    String lower = raw.toLowerCase(Locale.ROOT);
    if (!lower.equals("true") && !lower.equals("false")) {
      throw invalid(key, raw, "true or false");
    }
    return lower.equals("true");
  }

  private static int positiveInt(Configuration conf, String key, int dflt) {
    String raw = conf.getTrimmed(key);
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the valid range
    }
    throw invalid(key, raw, "a whole number of milliseconds greater than 0 (default " + dflt + ")");
  }

  private static double positiveDouble(Configuration conf, String key, double dflt) {
    String raw = conf.getTrimmed(key);
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    try {
      double value = Double.parseDouble(raw);
      if (value > 0 && !Double.isInfinite(value)) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the valid range
    }
    throw invalid(key, raw, "a number greater than 0 (default " + dflt + ")");
  }

  private static InetSocketAddress parseAddress(String raw) {
    int colon = raw.lastIndexOf(':');
    if (colon > 0) {
      try {
        int port = Integer.parseInt(raw.substring(colon + 1));
        if (port > 0 && port < 65536) {
          return InetSocketAddress.createUnresolved(raw.substring(0, colon), port);
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
    }
    throw invalid(CORE_ADDRESS, raw, "host:port with a port from 1 to 65535 (default "
        + DEFAULT_CORE_ADDRESS + ")");
  }
}

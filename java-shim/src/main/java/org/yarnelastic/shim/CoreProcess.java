/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core as a child of the RM ({@code yarn.elastic.core.command}). The child's stdin stays
 * open as a lifeline: the core exits when it reads EOF, so it never outlives the RM, even if
 * the RM is killed with SIGKILL.
 */
final class CoreProcess {

  private static final Logger LOG = LoggerFactory.getLogger(CoreProcess.class);

  private final String command;
  private final int port;
  private final String authTokenFile;
  private final File logFile;
  private Process process;
  private int starts;
  private int lastExitStatus = Integer.MIN_VALUE;

  CoreProcess(String command, int port, String authTokenFile, String logFile) {
    this.command = command;
    this.port = port;
    this.authTokenFile = authTokenFile;
    this.logFile = new File(logFile);
  }

  /** Starts the core unless it is already running; returns true when it started it now. */
  synchronized boolean ensureRunning() throws IOException {
    if (process != null && process.isAlive()) {
      return false;
    }
    if (process != null) {
      // A core that keeps failing the same way is reported once, not at every retry.
      int status = process.exitValue();
      if (status != lastExitStatus) {
        LOG.warn("yarn-elastic core exited with status {}; restarting it with backoff (see {})",
            status, logFile);
      }
      lastExitStatus = status;
    }
    String line = command + " --port " + port + " --auth-token-file '"
        + authTokenFile.replace("'", "'\\''") + "' --exit-on-stdin-eof";
    File parent = logFile.getAbsoluteFile().getParentFile();
    if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
      throw new IOException("cannot create the directory of " + ElasticConfiguration.CORE_LOG_FILE
          + "=" + logFile);
    }
    ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", line)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
    process = builder.start();
    starts++;
    if (starts == 1 || lastExitStatus == Integer.MIN_VALUE) {
      LOG.info("Started yarn-elastic core: {} ; its log is {}", line, logFile);
    } else {
      LOG.debug("Started yarn-elastic core again (start #{})", starts);
    }
    return true;
  }

  synchronized void stop() {
    if (process == null) {
      return;
    }
    try {
      OutputStream lifeline = process.getOutputStream();
      lifeline.close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }
}

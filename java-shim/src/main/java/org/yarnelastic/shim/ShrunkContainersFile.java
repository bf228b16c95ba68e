/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ShrunkContainers}' record as a small text file on any Hadoop file system: local for
 * one RM, a shared one (HDFS) for RM HA, so that the RM taking over reads what the other kept.
 *
 * <p>One line per container, {@code <container id> <vcores> <memory MB>}, under a header that
 * names the format. A save writes a new file and renames it over the old one, so a crash
 * mid-save leaves the previous record whole. Saves run on a thread of their own; a burst of
 * them is one write of the newest snapshot.
 */
final class ShrunkContainersFile implements ShrunkContainers.Store, Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ShrunkContainersFile.class);
  static final String HEADER = "# yarn-elastic shrunk containers 1";

  private final Path path;
  private final Configuration conf;
  private final Thread thread;
  private Map<String, double[]> next;
  private boolean stopped;
  private String lastFailure;

  ShrunkContainersFile(String uri, Configuration conf) {
    this.path = new Path(uri);
    this.conf = conf;
    this.thread = new Thread(this, "yarn-elastic-shrunk-writer");
    thread.setDaemon(true);
  }

  Path path() {
    return path;
  }

  void start() {
    thread.start();
  }

  @Override
  public Map<String, double[]> load() throws IOException {
    Map<String, double[]> kept = new HashMap<>();
    FileContext files = FileContext.getFileContext(path.toUri(), conf);
    BufferedReader in;
    try {
      in = new BufferedReader(new InputStreamReader(files.open(path), StandardCharsets.UTF_8));
    } catch (FileNotFoundException e) {
      return kept;
    }
    try {
      String line = in.readLine();
      if (line == null) {
        return kept;
      }
      if (!HEADER.equals(line.trim())) {
        throw new IOException(path + " is not a yarn-elastic record of shrunk containers (its"
            + " first line is not '" + HEADER + "')");
      }
      int number = 1;
      while ((line = in.readLine()) != null) {
        number++;
        parseLine(line, number, kept);
      }
    } finally {
      in.close();
    }
    return kept;
  }

  private void parseLine(String line, int number, Map<String, double[]> kept) {
    String[] fields = line.trim().split("\\s+");
    if (fields.length == 1 && fields[0].isEmpty()) {
      return;
    }
    try {
      if (fields.length == 3) {
        double vcores = Double.parseDouble(fields[1]);
        double memoryMb = Double.parseDouble(fields[2]);
        if (vcores >= 0 && memoryMb > 0) {
          kept.put(fields[0], new double[] {vcores, memoryMb, 0, 0});
          return;
        }
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    LOG.warn("yarn-elastic skips line {} of {}: expected '<container id> <vcores> <memory MB>',"
        + " got '{}'", number, path, line);
  }

  @Override
  public synchronized void save(Map<String, double[]> snapshot) {
    next = snapshot;
    notifyAll();
  }

  /** Writes what is left to write, then stops the thread. */
  void close() {
    Map<String, double[]> last;
    synchronized (this) {
      stopped = true;
      last = next;
      next = null;
      notifyAll();
    }
    if (last != null) {
      write(last);
    }
  }

  @Override
  public void run() {
    while (true) {
      Map<String, double[]> snapshot;
      synchronized (this) {
        while (next == null && !stopped) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (stopped) {
          return;
        }
        snapshot = next;
        next = null;
      }
      write(snapshot);
    }
  }

  private void write(Map<String, double[]> snapshot) {
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    for (Map.Entry<String, double[]> entry : snapshot.entrySet()) {
      text.append(entry.getKey()).append(' ').append((long) entry.getValue()[0]).append(' ')
          .append((long) entry.getValue()[1]).append('\n');
    }
    Path partial = new Path(path.getParent(), path.getName() + ".new");
    try {
      FileContext files = FileContext.getFileContext(path.toUri(), conf);
      files.mkdir(path.getParent(), null, true);
      OutputStream out = files.create(partial,
          EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE), Options.CreateOpts.createParent());
      try {
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
      } finally {
        out.close();
      }
      files.rename(partial, path, Options.Rename.OVERWRITE);
      if (lastFailure != null) {
        LOG.info("yarn-elastic writes the requests of shrunk containers to {} again", path);
        lastFailure = null;
      }
    } catch (IOException | RuntimeException e) { // NOPMD: the RM goes on without the record
      String failure = e.toString();
      if (!failure.equals(lastFailure)) {
        LOG.warn("yarn-elastic could not write the requests of shrunk containers to {} ({}; see"
            + " {}); an RM restart now would recover them at their shrunk sizes", path, failure,
            ElasticConfiguration.RESIZE_RECOVERY_FILE);
      }
      lastFailure = failure;
    }
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

/**
 * The one method the Python core implements (docs/interface.md). Py4J passes {@code byte[]} by
 * value in one round trip; every message is compact UTF-8 JSON.
 */
public interface CoreEndpoint {
  byte[] exchange(byte[] message);
}

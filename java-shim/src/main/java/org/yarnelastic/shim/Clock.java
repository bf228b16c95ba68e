/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

/** Reads the wall clock in milliseconds; a seam so tests move time by hand. */
interface Clock {
  long nowMs();
}

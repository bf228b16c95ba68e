/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

/** A message from the core that the shim refuses; the text names the field and the problem. */
public final class MessageException extends Exception {
  private static final long serialVersionUID = 1L;

  public MessageException(String message) {
    super(message);
  }
}

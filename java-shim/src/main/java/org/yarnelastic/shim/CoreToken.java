/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The secret the shim and the core share: the one in {@code yarn.elastic.core.auth-token-file},
 * or, when the RM launches the core and no file is named, a fresh one only this RM and its
 * child can read (the child reads it from {@link #file}).
 */
final class CoreToken {

  final String secret;
  /** The file the secret is kept in, for the core the RM launches. */
  final String file;

  private CoreToken(String secret, String file) {
    this.secret = secret;
    this.file = file;
  }

  static CoreToken of(ElasticConfiguration elastic) throws IOException {
    if (!elastic.authTokenFile.isEmpty()) {
      File named = new File(elastic.authTokenFile);
      String secret = TokenFile.read(ElasticConfiguration.CORE_AUTH_TOKEN_FILE, named);
      return new CoreToken(secret, named.getAbsolutePath());
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    StringBuilder hex = new StringBuilder();
    for (byte b : random) {
      hex.append(String.format("%02x", b));
    }
    Path minted = Files.createTempFile("yarn-elastic-token", ".txt",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    minted.toFile().deleteOnExit();
    Files.write(minted, hex.toString().getBytes(StandardCharsets.UTF_8));
    return new CoreToken(hex.toString(), minted.toString());
  }
}

/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The project's one rule for a secret kept in a file, as the Python side's
 * {@code yarn_elastic.token_file} keeps it: readable, not empty, and not readable by other
 * users. Each refusal names the key and the command that fixes it.
 */
final class TokenFile {

  private TokenFile() {
  }

  static String read(String key, File file) {
    String token;
    try {
      token = new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalArgumentException(key + "=" + file + ": cannot read the token file ("
          + e + "); create it with a random secret, readable only by the ResourceManager's"
          + " user: openssl rand -hex 32 > " + file + " && chmod 600 " + file, e);
    }
    if (token.isEmpty()) {
      throw new IllegalArgumentException(key + "=" + file + ": the token file is empty; put a"
          + " random secret in it (openssl rand -hex 32 > " + file + ")");
    }
    if (othersMayRead(file)) {
      throw new IllegalArgumentException(key + "=" + file + ": the token file is readable by"
          + " every user; run: chmod o-rwx " + file);
    }
    return token;
  }

  private static boolean othersMayRead(File file) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file.toPath());
      return permissions.contains(PosixFilePermission.OTHERS_READ);
    } catch (UnsupportedOperationException | IOException e) {
      return false; // no POSIX permissions to judge by (not a Linux RM)
    }
  }
}

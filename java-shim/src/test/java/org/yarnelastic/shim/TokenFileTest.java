/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The same rule as tests/unit/core/test_core_endpoint.py's token-file cases. */
public class TokenFileTest {

  private static final String KEY = ElasticConfiguration.CORE_AUTH_TOKEN_FILE;

  @Rule
  public TemporaryFolder folder = new TemporaryFolder();

  private File token(String content, String permissions) throws Exception {
    File file = folder.newFile();
    Files.write(file.toPath(), content.getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(file.toPath(), PosixFilePermissions.fromString(permissions));
    return file;
  }

  private static String refusal(File file) {
    try {
      TokenFile.read(KEY, file);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage(), e.getMessage().startsWith(KEY + "=" + file));
      return e.getMessage();
    }
    fail("accepted " + file);
    return "";
  }

  @Test
  public void aPrivateFileIsRead() throws Exception {
    assertEquals("s3cret", TokenFile.read(KEY, token("s3cret\n", "rw-------")));
    assertEquals("s3cret", TokenFile.read(KEY, token("s3cret", "rw-r-----")));
  }

  @Test
  public void aFileEveryUserCanReadIsRefused() throws Exception {
    File file = token("s3cret", "rw-r--r--");
    assertTrue(refusal(file).endsWith("readable by every user; run: chmod o-rwx " + file));
  }

  @Test
  public void anEmptyOrMissingFileIsRefused() throws Exception {
    assertTrue(refusal(token("  \n", "rw-------")).contains("the token file is empty"));
    assertTrue(refusal(new File(folder.getRoot(), "missing")).contains("cannot read"));
  }
}

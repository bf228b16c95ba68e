/*
 * Licensed under the Apache License, Version 2.0. See LICENSE in the project root.
 */
package org.yarnelastic.capacitysuite;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

/**
 * Renames one class wherever a class file's constant pool names it: the class entry
 * ("a/b/C") and string literals of its binary name ("a.b.C"). Descriptors ("La/b/C;") are
 * left alone, so fields and method signatures keep their declared types; only what the code
 * instantiates, casts to, loads as a Class or names in a string changes.
 *
 * Only the constant pool is rewritten. Nothing in a class file points at a byte offset inside
 * it, so entries may change length without touching the code that follows.
 */
final class ClassNameSubstitution {
  private static final int UTF8 = 1;

  private final byte[] fromInternal;
  private final byte[] fromBinary;
  private final byte[] toInternal;
  private final byte[] toBinary;

  ClassNameSubstitution(String fromInternalName, String toInternalName) {
    fromInternal = modifiedUtf8(fromInternalName);
    fromBinary = modifiedUtf8(fromInternalName.replace('/', '.'));
    toInternal = modifiedUtf8(toInternalName);
    toBinary = modifiedUtf8(toInternalName.replace('/', '.'));
  }

  /** The rewritten class file, or null when it never names the class. */
  byte[] rewrite(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(classFile.length + 64);
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(in.readInt()); // magic
    out.writeInt(in.readInt()); // minor, major
    int count = in.readUnsignedShort();
    out.writeShort(count);
    boolean changed = false;
    for (int index = 1; index < count; index++) {
      int tag = in.readUnsignedByte();
      out.writeByte(tag);
      if (tag == UTF8) {
        byte[] text = new byte[in.readUnsignedShort()];
        in.readFully(text);
        byte[] replaced = replacement(text);
        changed |= replaced != text;
        out.writeShort(replaced.length);
        out.write(replaced);
      } else {
        byte[] body = new byte[entryLength(tag)];
        in.readFully(body);
        out.write(body);
        if (tag == 5 || tag == 6) {
          index++; // a long or double takes two slots
        }
      }
    }
    if (!changed) {
      return null;
    }
    byte[] rest = new byte[in.available()];
    in.readFully(rest);
    out.write(rest);
    return bytes.toByteArray();
  }

  private byte[] replacement(byte[] text) {
    if (java.util.Arrays.equals(text, fromInternal)) {
      return toInternal;
    }
    if (java.util.Arrays.equals(text, fromBinary)) {
      return toBinary;
    }
    return text;
  }

  /** Bytes after the tag of each constant-pool entry kind but UTF8 (JVMS 4.4). */
  private static int entryLength(int tag) throws IOException {
    switch (tag) {
      case 7: case 8: case 16: case 19: case 20: // Class, String, MethodType, Module, Package
        return 2;
      case 15: // MethodHandle
        return 3;
      case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18:
        return 4;
      case 5: case 6: // Long, Double
        return 8;
      default:
        throw new IOException("unknown constant-pool tag " + tag);
    }
  }

  private static byte[] modifiedUtf8(String ascii) {
    return ascii.getBytes(StandardCharsets.US_ASCII); // class names here are ASCII
  }
}

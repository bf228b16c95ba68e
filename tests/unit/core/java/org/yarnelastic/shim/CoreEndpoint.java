// Test copy of the shim's interface so the probe compiles without the Maven build.
package org.yarnelastic.shim;

public interface CoreEndpoint {
  byte[] exchange(byte[] message);
}

/*
 * Licensed under the Apache License, Version 2.0. See LICENSE in the project root.
 */
package org.yarnelastic.capacitysuite;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Java agent that makes Hadoop's CapacityScheduler tests run ElasticScheduler.
 *
 * Most of those tests name CapacityScheduler in code (`conf.setClass(RM_SCHEDULER,
 * CapacityScheduler.class, ...)`, `new CapacityScheduler()`), so a yarn-site.xml cannot reach
 * them, and a class loader cannot answer one class name with another class (the JVM checks
 * the name). The agent instead renames CapacityScheduler to ElasticScheduler in the classes of
 * the tests jars only, as they load. Hadoop's own classes are untouched.
 *
 * A renamed test can hold an ElasticScheduler in a field declared CapacityScheduler and call
 * it as ElasticScheduler, which the verifier would reject though it is sound (the object is
 * one), so the suite runs with -XX:-BytecodeVerificationRemote (a diagnostic option on 17).
 *
 * Argument: the substring of a code-source location whose classes are rewritten
 * (default "-tests.jar").
 */
public final class SchedulerSubstitutionAgent implements ClassFileTransformer {
  static final String CAPACITY_SCHEDULER =
      "org/apache/hadoop/yarn/server/resourcemanager/scheduler/capacity/CapacityScheduler";
  static final String ELASTIC_SCHEDULER = "org/yarnelastic/shim/ElasticScheduler";

  private final String rewrittenSource;
  private final ClassNameSubstitution substitution =
      new ClassNameSubstitution(CAPACITY_SCHEDULER, ELASTIC_SCHEDULER);
  private final AtomicInteger rewritten = new AtomicInteger();

  private SchedulerSubstitutionAgent(String rewrittenSource) {
    this.rewrittenSource = rewrittenSource;
  }

  public static void premain(String args, Instrumentation instrumentation) {
    String source = args == null || args.isEmpty() ? "-tests.jar" : args;
    SchedulerSubstitutionAgent agent = new SchedulerSubstitutionAgent(source);
    instrumentation.addTransformer(agent);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(
        "yarn-elastic substitution: " + agent.rewritten.get() + " classes from *" + source
            + " now name ElasticScheduler for CapacityScheduler")));
  }

  @Override
  public byte[] transform(ClassLoader loader, String className, Class<?> redefined,
      ProtectionDomain domain, byte[] classFile) {
    if (domain == null || className == null) {
      return null;
    }
    CodeSource source = domain.getCodeSource();
    if (source == null || source.getLocation() == null
        || !source.getLocation().getPath().contains(rewrittenSource)) {
      return null;
    }
    try {
      byte[] result = substitution.rewrite(classFile);
      if (result != null) {
        rewritten.incrementAndGet();
      }
      return result;
    } catch (Exception e) {
      // A transformer's exception is swallowed by the JVM; say which class kept its name.
      System.err.println("yarn-elastic substitution: left " + className + " as it was: " + e);
      return null;
    }
  }
}

/*
 * Licensed under the Apache License, Version 2.0. See LICENSE in the project root.
 */

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Estimates pi through Spark's Java API: the JVM job beside the PySpark ones, because the
 * pyspark package ships no examples jar and Maven Central here serves no spark-examples.
 * Usage: JavaPiEstimate [slices]; each slice throws 200,000 darts from its own seed.
 */
public final class JavaPiEstimate {
  private static final int DARTS_PER_SLICE = 200_000;

  private JavaPiEstimate() {
  }

  public static void main(String[] args) {
    int slices = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    List<Integer> seeds = new ArrayList<>();
    for (int i = 0; i < slices; i++) {
      seeds.add(i);
    }
    try (JavaSparkContext spark =
        new JavaSparkContext(new SparkConf().setAppName("yarn-elastic-java-pi"))) {
      long inside = spark.parallelize(seeds, slices).map(JavaPiEstimate::dartsInside)
          .reduce(Long::sum);
      double pi = 4.0 * inside / ((long) slices * DARTS_PER_SLICE);
      System.out.println("pi is roughly " + pi);
    }
  }

  private static long dartsInside(int seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long inside = 0;
    for (int i = 0; i < DARTS_PER_SLICE; i++) {
      double x = random.nextDouble();
      double y = random.nextDouble();
      if (x * x + y * y <= 1.0) {
        inside++;
      }
    }
    return inside;
  }
}

"""Sort of generated text records: `sort.py RECORDS SEED OUTPUT_DIR` (HiBench micro/sort)."""

import random
import sys

from pyspark.sql import SparkSession

records, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
PARTITIONS = 8
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def records_of(partition):
    rng = random.Random(seed * 1000 + partition)
    for _ in range(records // PARTITIONS):
        yield ("".join(rng.choices(ALPHABET, k=12)), "".join(rng.choices(ALPHABET, k=36)))


spark = SparkSession.builder.appName("hibench-sort").getOrCreate()
data = spark.sparkContext.parallelize(range(PARTITIONS), PARTITIONS).flatMap(records_of)
ordered = data.sortByKey(numPartitions=4)
ordered.map(lambda kv: f"{kv[0]} {kv[1]}").saveAsTextFile(f"{output}/sort")
print(f"sort: {records} records sorted")
spark.stop()

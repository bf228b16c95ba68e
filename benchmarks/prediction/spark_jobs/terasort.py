"""TeraSort-like: `terasort.py RECORDS SEED OUTPUT_DIR` (HiBench micro/terasort).

TeraGen's record shape (10-byte key, 90-byte value incl. row id and filler) generated in the
executors, sorted by key with range partitioning, written out, then validated (ordered).
"""

import random
import sys

from pyspark.sql import SparkSession

records, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
PARTITIONS = 8
PRINTABLE = bytes(range(32, 127)).decode()


def teragen(partition):
    rng = random.Random(seed * 1000 + partition)
    per = records // PARTITIONS
    for row in range(partition * per, (partition + 1) * per):
        key = "".join(rng.choices(PRINTABLE, k=10))
        filler = chr(65 + row % 26) * 58
        yield key, f"{row:032x}{filler}"


spark = SparkSession.builder.appName("hibench-terasort").getOrCreate()
data = spark.sparkContext.parallelize(range(PARTITIONS), PARTITIONS).flatMap(teragen)
ordered = data.sortByKey(numPartitions=4)
ordered.map(lambda kv: kv[0] + kv[1]).saveAsTextFile(f"{output}/terasort")
firsts = ordered.mapPartitions(lambda rows: [next(iter(rows), (None,))[0]]).collect()
keys = [k for k in firsts if k is not None]
assert keys == sorted(keys), "partitions out of order"
print(f"terasort: {records} records of 100 bytes sorted into {len(keys)} ordered partitions")
spark.stop()

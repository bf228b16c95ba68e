"""Word count over generated text: `wordcount.py RECORDS SEED OUTPUT_DIR` (HiBench micro/wordcount).

Each partition writes its own lines from a Zipf-like vocabulary (seeded per partition), so the
input never leaves the executors; counts are shuffled by word and written as text.
"""

import random
import sys
from itertools import accumulate

from pyspark.sql import SparkSession

records, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
PARTITIONS = 8
VOCABULARY = [f"w{i:05d}" for i in range(20000)]
# Cumulative Zipf weights, computed once: `choices(weights=...)` would redo this per line.
CUMULATIVE = list(accumulate(1.0 / (rank + 1) for rank in range(len(VOCABULARY))))


def lines(partition):
    rng = random.Random(seed * 1000 + partition)
    for _ in range(records // PARTITIONS):
        yield " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=10))


spark = SparkSession.builder.appName("hibench-wordcount").getOrCreate()
text = spark.sparkContext.parallelize(range(PARTITIONS), PARTITIONS).flatMap(lines)
counts = text.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b, 4)
counts.saveAsTextFile(f"{output}/wordcount")
print(f"wordcount: {counts.count()} distinct words in {records} lines")
spark.stop()

"""PageRank over a generated graph: `pagerank.py PAGES SEED OUTPUT_DIR` (HiBench websearch).

Each page links to 1-12 random pages; ranks are iterated with RDD joins (the classic shuffle
pattern), links cached across iterations.
"""

import random
import sys

from pyspark.sql import SparkSession

pages, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
PARTITIONS = 8
ITERATIONS = 5


def links_of(partition):
    rng = random.Random(seed * 1000 + partition)
    for page in range(partition, pages, PARTITIONS):
        yield page, [rng.randrange(pages) for _ in range(rng.randint(1, 12))]


def contributions(item):
    _, (targets, rank) = item
    share = rank / len(targets)
    return [(t, share) for t in targets]


spark = SparkSession.builder.appName("hibench-pagerank").getOrCreate()
sc = spark.sparkContext
links = sc.parallelize(range(PARTITIONS), PARTITIONS).flatMap(links_of).partitionBy(4).cache()
ranks = links.mapValues(lambda _: 1.0)
for _ in range(ITERATIONS):
    ranks = links.join(ranks).flatMap(contributions).reduceByKey(lambda a, b: a + b, 4)
    ranks = ranks.mapValues(lambda r: 0.15 + 0.85 * r)
ranks.saveAsTextFile(f"{output}/pagerank")
top = ranks.takeOrdered(3, key=lambda kv: -kv[1])
print(f"pagerank: {pages} pages, {ITERATIONS} iterations, top {top}")
spark.stop()

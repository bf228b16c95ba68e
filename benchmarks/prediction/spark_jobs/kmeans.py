"""k-means with Spark MLlib: `kmeans.py POINTS SEED OUTPUT_DIR` (HiBench ml/kmeans).

Points come from 10 Gaussian blobs in 20 dimensions, generated as columns in the JVM.
"""

import sys

from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

points, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
DIMENSIONS = 20

spark = SparkSession.builder.appName("hibench-kmeans").getOrCreate()
frame = spark.range(points, numPartitions=8).withColumn("blob", F.col("id") % 10)
for d in range(DIMENSIONS):
    frame = frame.withColumn(f"x{d}", F.randn(seed + d) + F.col("blob") * ((d % 5) + 1))
features = VectorAssembler(inputCols=[f"x{d}" for d in range(DIMENSIONS)],
                           outputCol="features").transform(frame).select("features").cache()
model = KMeans(k=10, maxIter=10, seed=seed, initMode="random").fit(features)
model.write().overwrite().save(f"{output}/kmeans-model")
print(f"kmeans: {points} points, cost {model.summary.trainingCost:.1f}")
spark.stop()

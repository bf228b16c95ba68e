"""Logistic regression with Spark MLlib: `logistic_regression.py ROWS SEED OUTPUT_DIR`
(HiBench ml/lr). Labels come from a fixed linear model plus noise over 30 features."""

import sys

from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

rows, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
FEATURES = 30

spark = SparkSession.builder.appName("hibench-logistic-regression").getOrCreate()
frame = spark.range(rows, numPartitions=8)
for d in range(FEATURES):
    frame = frame.withColumn(f"x{d}", F.randn(seed + d))
margin = sum(F.col(f"x{d}") * ((d % 7) - 3) / 3.0 for d in range(FEATURES))
frame = frame.withColumn("label", (margin + F.randn(seed + 999) > 0).cast("double"))
data = VectorAssembler(inputCols=[f"x{d}" for d in range(FEATURES)],
                       outputCol="features").transform(frame).select("features", "label").cache()
model = LogisticRegression(maxIter=15, regParam=0.01).fit(data)
model.write().overwrite().save(f"{output}/lr-model")
print(f"logistic regression: {rows} rows, training AUC {model.summary.areaUnderROC:.3f}")
spark.stop()

"""SQL aggregation: `sql_aggregation.py ROWS SEED OUTPUT_DIR` (HiBench sql/aggregation).

A generated user-visits table (HiBench's uservisits shape: source IP, ad revenue, date,
country) grouped by source-IP prefix with SUM/AVG/COUNT, written as Parquet.
"""

import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

rows, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

spark = SparkSession.builder.appName("hibench-sql-aggregation").getOrCreate()
visits = (
    spark.range(rows, numPartitions=8)
    .withColumn("source_ip", F.concat_ws(".", *[(F.rand(seed + i) * 255).cast("int")
                                                  for i in range(4)]))
    .withColumn("ad_revenue", F.rand(seed + 10) * 100)
    .withColumn("country", F.concat(F.lit("C"), (F.rand(seed + 11) * 200).cast("int")))
    .withColumn("visit_day", F.date_add(F.lit("2018-01-01"), (F.rand(seed + 12) * 365).cast("int")))
)
visits.createOrReplaceTempView("uservisits")
result = spark.sql(
    "SELECT substr(source_ip, 1, 7) AS prefix, country, SUM(ad_revenue) AS revenue, "
    "AVG(ad_revenue) AS mean_revenue, COUNT(*) AS visits "
    "FROM uservisits GROUP BY substr(source_ip, 1, 7), country"
)
result.write.mode("overwrite").parquet(f"{output}/sql-aggregation")
print(f"sql aggregation: {rows} visits into {result.count()} groups")
spark.stop()

# librdkafka through confluent-kafka reading one consume case: a group member reading from the beginning
# with consume() in batches, the Java default fetch sizes. Counts from its first record, as the other
# drivers do. Prints one JSON result line.
#
#   python confluent-consume.py <bootstrap> <topic> <expected> <valueBytes> <compression> [check-crcs]
#
# check-crcs: check.crcs=true (librdkafka's default is false; the Java client and this client check).
import json
import sys
import time

from confluent_kafka import Consumer

bootstrap, topic, expected, value_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
check_crcs = len(sys.argv) > 6 and sys.argv[6] == "check-crcs"
c = Consumer({
    "check.crcs": check_crcs,
    "bootstrap.servers": bootstrap,
    "group.id": f"bench-confluent-{time.time()}",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "max.partition.fetch.bytes": 1024 * 1024,
    "fetch.max.bytes": 50 * 1024 * 1024,
})
c.subscribe([topic])
t0 = time.perf_counter()
records = 0
nbytes = 0
first = last = 0.0
first_count = 0
idle_since = time.perf_counter()
while records < expected:
    msgs = c.consume(num_messages=10000, timeout=0.01)
    now = time.perf_counter()
    if not msgs:
        if now - idle_since > 30:
            sys.exit(f"no record for 30 s: received {records} of {expected}")
        continue
    idle_since = now
    n = 0
    for m in msgs:
        if m.error():
            continue
        n += 1
        v = m.value()
        nbytes += len(v) if v is not None else 0
    if records == 0:
        first = now
        first_count = n
    records += n
    last = now
c.close()
after = records - first_count
rate = after / (last - first) if after > 0 and last > first else float("inf")
print(json.dumps({
    "client": "librdkafka (confluent-kafka)" + (", check.crcs" if check_crcs else ""),
    "records": records,
    "bytes": nbytes,
    "seconds": records / rate,
    "startSeconds": first - t0,
}))

# librdkafka through confluent-kafka, one produce() per record: produce() + poll(0), then flush(), the
# way librdkafka's own docs produce, without a per-record callback (the runner counts what the topic
# holds). A full local queue (BufferError) is waited out with poll(). librdkafka keeps its own batch size
# (batch.size 1 MB, batch.num.messages 10,000).
# Prints one JSON result line.
#
#   python confluent-produce.py <bootstrap> <topic> <valueBytes> <records> <lingerMs> [latency]
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Producer

bootstrap, topic, value_bytes, records, linger = sys.argv[1:6]
latency = len(sys.argv) > 6 and sys.argv[6] == "latency"
value_bytes, records = int(value_bytes), int(records)


def make_value(n):
    # The same bytes as workload.ts makeValue().
    text = b'{"user":12345,"event":"page_view","path":"/products/42","ts":1700000000000,"tags":["a","b"]}'
    out = bytearray(n)
    seed = 7
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = seed & 0xFF if (seed >> 24) < 64 else text[i % len(text)]
    return bytes(out)


value = make_value(value_bytes)
failed = [0]


def report(err, _msg):
    if err is not None:
        failed[0] += 1


p = Producer({
    "bootstrap.servers": bootstrap,
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": int(linger),
    "error_cb": lambda e: None,
})
p.produce(topic, value, on_delivery=report)
p.flush()

result = {"client": f"librdkafka {confluent_kafka.libversion()[0]} (confluent-kafka)", "records": records,
          "bytes": records * value_bytes}
t0 = time.perf_counter()
if latency:
    lat = []
    gap = 1.0 / 1000
    for i in range(records):
        due = t0 + i * gap
        while time.perf_counter() < due:
            p.poll(max(0.0, due - time.perf_counter()))
        sent = time.perf_counter()
        p.produce(topic, value, on_delivery=lambda err, _m, s=sent: lat.append((time.perf_counter() - s) * 1000)
                  if err is None else report(err, None))
        p.poll(0)
    p.flush()
    lat.sort()
    result["p50Ms"] = lat[max(0, -(-50 * len(lat) // 100) - 1)]
    result["p99Ms"] = lat[max(0, -(-99 * len(lat) // 100) - 1)]
else:
    for i in range(records):
        while True:
            try:
                p.produce(topic, value)
                break
            except BufferError:
                p.poll(0.001)
        p.poll(0)
    p.flush()
result["seconds"] = time.perf_counter() - t0
if failed[0]:
    sys.exit(f"{failed[0]} records failed")
print(json.dumps(result))

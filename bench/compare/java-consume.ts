// The Java client's ConsumerPerformance for one consume case (Node wrapper); prints a JSON result line.
// Its fetch sizes are the Java defaults, which every driver uses. The rate is its fetch rate (after the
// group join), as the other drivers count from their first record.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type ConsumeResult, parseConsumeArgs } from "./workload.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { bootstrap, topic, expected, c } = parseConsumeArgs(process.argv.slice(2));
const r = spawnSync(`${root}scripts/kafka`, [
  "run-class",
  "org.apache.kafka.tools.ConsumerPerformance",
  "--bootstrap-server",
  bootstrap,
  "--topic",
  topic,
  "--messages",
  String(expected),
  "--group",
  `bench-java-${Date.now()}`,
  "--timeout",
  "30000",
], { cwd: root, encoding: "utf8", timeout: 300_000 });
// start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
// fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
const fields = (r.stdout.trim().split("\n").pop() ?? "").split(",").map((s) => s.trim());
const records = Number(fields[4]);
const fetchRate = Number(fields[9]);
if (!(records > 0) || !(fetchRate > 0)) {
  console.error((r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | "));
  process.exit(1);
}
const result: ConsumeResult = {
  client: "Java ConsumerPerformance",
  records,
  bytes: records * c.valueBytes,
  seconds: records / fetchRate,
  startSeconds: Number(fields[6]) / 1000,
};
console.log(JSON.stringify(result));

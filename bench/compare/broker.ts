// The broker a benchmark runner uses: KAFKA_BOOTSTRAP when set, else the local one, started here.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The bootstrap address, and `stop()`, which stops the broker only when this call started it. */
export function benchBroker(): { bootstrap: string; stop: () => void } {
  const given = process.env.KAFKA_BOOTSTRAP;
  if (given) return { bootstrap: given, stop: () => {} };
  const out = execFileSync(`${root}scripts/kafka`, ["start"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return {
    bootstrap: out.toString().trim().split("\n").pop()!,
    stop: () => execFileSync(`${root}scripts/kafka`, ["stop"], { cwd: root, stdio: "inherit" }),
  };
}

// Creates or deletes a benchmark topic from the command line, for running one driver by hand:
//   node bench/compare/topic.ts <bootstrap> create|delete <topic> [partitions]
import "../../src/transport/runtime.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { createTopic, deleteTopic } from "../../tests/helpers/topics.ts";

const [bootstrap, what, topic, partitions] = process.argv.slice(2);
const cluster = new Cluster({ bootstrapServers: bootstrap });
if (what === "create") await createTopic(cluster, topic, Number(partitions ?? 3));
else await deleteTopic(cluster, topic);
await cluster.close();

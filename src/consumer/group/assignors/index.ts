/** The built-in assignors by name. */
import type { Assignor } from "../types.ts";
import { rangeAssignor } from "./range.ts";
import { roundRobinAssignor } from "./roundrobin.ts";
import { cooperativeStickyAssignor } from "./cooperative-sticky.ts";

export { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor };

/** The assignor for a name or the custom assignor itself; throws `TypeError` for an unknown name. */
export function resolveAssignor(a: "range" | "roundrobin" | "cooperative-sticky" | Assignor): Assignor {
  if (typeof a === "object" && a !== null && typeof a.name === "string" && typeof a.assign === "function") {
    return a;
  }
  switch (a) {
    case "range":
      return rangeAssignor;
    case "roundrobin":
      return roundRobinAssignor;
    case "cooperative-sticky":
      return cooperativeStickyAssignor;
  }
  throw new TypeError(`partitionAssignmentStrategy: unknown assignor ${JSON.stringify(a)}`);
}

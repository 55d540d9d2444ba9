/** The admin client's options: the shared connection options and its own timeout. */
import {
  checkOptions,
  type ClientOptions,
  CLUSTER_OPTIONS,
  int,
  type OptionTable,
  registerClient,
} from "../client/options.ts";
import { type Properties, propertiesToOptions } from "../client/properties.ts";
import type { AdminOptions } from "./types.ts";
// Read only when a message is built (see src/producer/options.ts).

/** Every admin option with its check. */
export const ADMIN_OPTIONS = {
  ...CLUSTER_OPTIONS,
  operationTimeoutMs: int(0),
  defaultApiTimeoutMs: { ...int(1), kafka: ["default.api.timeout.ms"] },
} satisfies OptionTable<AdminOptions>;

/** The admin client's table, named for messages. */
export const ADMIN: ClientOptions = registerClient({ client: "Admin", table: ADMIN_OPTIONS });

/** Checks an admin client's options; throws a `TypeError`/`RangeError` naming the first bad or unknown one. */
export function checkAdminOptions(options: unknown): void {
  checkOptions(options, ADMIN);
}

/**
 * Admin options from Java / librdkafka style properties (`bootstrap.servers`, `client.id`,
 * `request.timeout.ms`, `security.protocol`, `ssl.*.pem`, `sasl.*`, ...), read as the producer's are. A key
 * that does not map cleanly throws, naming it.
 *
 * @example
 * ```ts
 * const admin = new Admin(adminOptionsFromProperties({ "bootstrap.servers": "broker1:9092" }));
 * ```
 */
export function adminOptionsFromProperties(properties: Properties): AdminOptions {
  return propertiesToOptions(properties, ADMIN) as unknown as AdminOptions;
}

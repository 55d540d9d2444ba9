// Toxiproxy, a real TCP fault proxy, between the client and each broker: the server is the binary
// scripts/test.mjs builds (TOXIPROXY_SERVER), driven through its HTTP API. Kafka's metadata names the
// brokers' own ports, so the client reaches them through an adapter that maps each broker port to its proxy.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { defaultAdapter } from "../../src/transport/default.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";

/** A toxic as Toxiproxy's API takes it (`latency`, `reset_peer`, `timeout`, ...). */
export interface Toxic {
  name: string;
  type: string;
  stream?: "upstream" | "downstream";
  toxicity?: number;
  attributes: Record<string, number>;
}

/** A running Toxiproxy with one proxy per broker. */
export class Toxiproxy {
  readonly #child: ChildProcess;
  readonly #api: string;
  /** Broker `host:port` to the proxy's listening port. */
  readonly ports = new Map<string, number>();

  private constructor(child: ChildProcess, api: string) {
    this.#child = child;
    this.#api = api;
  }

  /** Starts the server on `apiPort` and a proxy per broker on `apiPort + 1`, `+ 2`, ... */
  static async start(brokers: string[], apiPort = 18474): Promise<Toxiproxy> {
    const binary = process.env.TOXIPROXY_SERVER;
    assert.ok(
      binary,
      "TOXIPROXY_SERVER is not set: run the fault suite with `npm test`, which builds Toxiproxy",
    );
    const child = spawn(binary, ["-host", "127.0.0.1", "-port", String(apiPort)], { stdio: "ignore" });
    const t = new Toxiproxy(child, `http://127.0.0.1:${apiPort}`);
    for (let i = 0;; i++) {
      try {
        const res = await fetch(`${t.#api}/version`);
        await res.body?.cancel();
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (i >= 100) {
        await t.stop();
        assert.fail(`Toxiproxy did not answer on port ${apiPort} within 10 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < brokers.length; i++) {
      const port = apiPort + 1 + i;
      await t.#call("POST", "/proxies", {
        name: `broker-${i}`,
        listen: `127.0.0.1:${port}`,
        upstream: brokers[i],
        enabled: true,
      });
      t.ports.set(brokers[i], port);
    }
    return t;
  }

  /** The client's bootstrap list through the proxies. */
  get bootstrap(): string {
    return [...this.ports.values()].map((p) => `127.0.0.1:${p}`).join(",");
  }

  /** Sockets to a broker's own address go to its proxy instead. */
  adapter(): SocketAdapter {
    return {
      connect: async (o) => {
        const port = this.ports.get(`${o.host}:${o.port}`) ?? o.port;
        return (await defaultAdapter()).connect({ ...o, host: "127.0.0.1", port });
      },
    };
  }

  /** Adds a toxic to every proxy (or the proxy of one broker). */
  async add(toxic: Toxic, broker?: string): Promise<void> {
    for (const name of this.#names(broker)) {
      await this.#call("POST", `/proxies/${name}/toxics`, { stream: "downstream", toxicity: 1, ...toxic });
    }
  }

  /** Removes a toxic by name from every proxy (or one broker's). */
  async remove(toxic: string, broker?: string): Promise<void> {
    for (const name of this.#names(broker)) await this.#call("DELETE", `/proxies/${name}/toxics/${toxic}`);
  }

  /** Stops the server (it started it, so it ends it by its pid). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((r) => this.#child.once("exit", r));
    this.#child.kill("SIGTERM");
    await exited;
  }

  #names(broker?: string): string[] {
    const all = [...this.ports.keys()];
    return (broker === undefined ? all : [broker]).map((b) => `broker-${all.indexOf(b)}`);
  }

  async #call(method: string, path: string, body?: unknown): Promise<void> {
    const res = await fetch(`${this.#api}${path}`, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `Toxiproxy ${method} ${path}: ${res.status} ${text}`);
  }
}

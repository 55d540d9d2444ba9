// Fault-injecting socket adapters: real sockets to the broker, with what they read or write changed.
import { defaultAdapter } from "../../src/transport/default.ts";
import { ConnectionError, type Socket, type SocketAdapter } from "../../src/transport/socket.ts";

/**
 * Real sockets from the default adapter, each passed to `wrap`, which may replace its `readable` (what the
 * client reads), `write` (what the client sends) and `close`, and may give it a `writev`. Without one the
 * socket has no `writev`, so every request reaches `write` as one whole frame.
 */
export function wrapSockets(
  wrap: (socket: Socket) => Partial<Pick<Socket, "readable" | "write" | "writev" | "close">>,
): SocketAdapter {
  return {
    async connect(o) {
      const socket = await (await defaultAdapter()).connect(o);
      const changed = wrap(socket);
      return {
        readable: changed.readable ?? socket.readable,
        closed: socket.closed,
        close: changed.close ?? (() => socket.close()),
        write: changed.write ?? ((bytes) => socket.write(bytes)),
        writev: changed.writev,
      };
    },
  };
}

/** The API key of a request frame (size, then the int16 key), or -1. */
export function apiKeyOf(frame: Uint8Array): number {
  return frame.length > 6 ? (frame[4] << 8) | frame[5] : -1;
}

/**
 * Real sockets; after every `every`-th Fetch request, its socket is reset once the next answer bytes
 * arrive: half of that read reaches the client, then the stream fails and the socket closes.
 */
export function resetMidFetch(every: number): { adapter: SocketAdapter; resets: () => number } {
  let fetches = 0;
  let resets = 0;
  const adapter = wrapSockets((socket) => {
    const reader = socket.readable.getReader();
    let armed = false;
    return {
      readable: new ReadableStream<Uint8Array>({
        async pull(c) {
          const { value, done } = await reader.read();
          if (done) return c.close();
          if (!armed) return c.enqueue(value);
          armed = false;
          resets++;
          c.enqueue(value.subarray(0, value.length >> 1));
          c.error(new ConnectionError("connection reset by the fault injector"));
          await socket.close();
        },
        cancel: () => socket.close(),
      }),
      write(bytes) {
        // Key 1 is Fetch.
        if (apiKeyOf(bytes) === 1 && ++fetches % every === 0) armed = true;
        return socket.write(bytes);
      },
    };
  });
  return { adapter, resets: () => resets };
}

// A fault-injecting socket adapter: real sockets to the broker, some of them reset in the middle of a
// Fetch answer.
import { defaultAdapter } from "../../src/transport/default.ts";
import { ConnectionError, type Socket, type SocketAdapter } from "../../src/transport/socket.ts";

/**
 * Real sockets; after every `every`-th Fetch request, its socket is reset once the next answer bytes
 * arrive: half of that read reaches the client, then the stream fails and the socket closes.
 */
export function resetMidFetch(every: number): { adapter: SocketAdapter; resets: () => number } {
  let fetches = 0;
  let resets = 0;
  const adapter: SocketAdapter = {
    async connect(o) {
      const socket: Socket = await (await defaultAdapter()).connect(o);
      const reader = socket.readable.getReader();
      let armed = false;
      const readable = new ReadableStream<Uint8Array>({
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
      });
      return {
        readable,
        closed: socket.closed,
        close: () => socket.close(),
        write(bytes) {
          // A frame is size (4 bytes) then api key (int16): key 1 is Fetch.
          if (bytes.length > 6 && bytes[4] === 0 && bytes[5] === 1 && ++fetches % every === 0) armed = true;
          return socket.write(bytes);
        },
      };
    },
  };
  return { adapter, resets: () => resets };
}

/**
 * Retries `check` every 100 ms until it passes, or throws its last error once `timeoutMs` is over: for what
 * the cluster makes true a moment after a call returns (a new topic reaching the metadata a broker answers
 * with, an ACL reaching the authorizer, a leaving member reaching the coordinator).
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (performance.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

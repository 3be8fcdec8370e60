/** How long a bot may take before the customer sees "typing…": an instant answer costs no extra Graph calls. */
export const TYPING_AFTER_MS = 400;

/**
 * Runs `work` (the bot composing an answer); when it takes longer than `afterMs`, `show` puts up the
 * typing indicator, and the answer waits until the indicator went out, so the customer never sees
 * "typing…" after the reply. Best effort: a failing indicator is ignored.
 */
export async function showTypingWhileSlow<T>(work: Promise<T>, show: () => Promise<void>, afterMs = TYPING_AFTER_MS): Promise<T> {
  let shown: Promise<void> | undefined;
  const timer = setTimeout(() => {
    shown = show().catch(() => undefined);
  }, afterMs);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    if (shown) await shown;
  }
}

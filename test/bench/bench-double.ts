/**
 * The far side of `npm run bench`, pinned with the load client to the other core: the Graph API
 * double (the replies ccm sends land here, checked like Meta checks them) and the end-to-end driver,
 * which offers signed customer messages at a fixed rate (open loop: the schedule does not wait for
 * answers) and times each bot reply from the moment its message was posted.
 *
 * Prints `READY <graph url>`; then serves IPC requests from the orchestrator:
 * - `{ cmd: 'e2e', url, rate, seconds, customers, runId, drainMs }` → E2eResult
 * - `{ cmd: 'burst-wait', prefix, count, timeoutMs }` → how long until `count` replies to customers
 *   whose PSID starts with `prefix` arrived (for the 10,000-conversation run posted by bench-load)
 */
import { createHmac } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { GraphApiDouble, RecordedRequest } from '@app/graph-double';
import { loadRunPsid } from '../helpers/fixtures';

export interface E2eOptions {
  url: string;
  rate: number;
  seconds: number;
  customers: number;
  runId: string;
  /** After the offered window, wait at most this long for the last replies. */
  drainMs: number;
}

export interface E2eResult {
  offered: number;
  acked: number;
  ackFailures: number;
  ackP50: number;
  ackP99: number;
  ackMax: number;
  answered: number;
  /** Replies received within the offered window, per second of that window. */
  answeredPerSecond: number;
  replyP50: number;
  replyP99: number;
  replyMax: number;
  unanswered: number;
  /** Graph calls that were not the reply itself (sender actions, profile reads) per customer message. */
  otherGraphCallsPerMessage: number;
}

const secret = process.env.BENCH_SECRET ?? '';
/** Diagnosis: a file each e2e run appends its replies to, one line each: sent at (ISO), ms into the run, latency ms, `new` for a customer's first message. */
const REPLY_LOG = process.env.BENCH_REPLY_LOG;
const pages = JSON.parse(process.env.BENCH_PAGES ?? '[]') as { pageId: string; accessToken: string }[];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Walks the double's recorded requests as they come and drops them (memory stays flat over a soak). */
class ReplyWatch {
  /** Per PSID: send times of customer messages not answered yet. */
  readonly pending = new Map<string, number[]>();
  readonly latencies: number[] = [];
  replyTimes: number[] = [];
  /** With BENCH_REPLY_LOG: per reply, [sent at, latency ms, the customer's first message in the run?, its mid]. */
  readonly replies: [number, number, boolean, string][] = [];
  /** The mid of each message sent (by PSID and send time), for the reply log. */
  readonly mids = new Map<string, string>();
  private readonly seen = new Set<string>();
  private readonly first = new Map<string, boolean>();
  other = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly graph: GraphApiDouble) {}

  start(): void {
    this.timer = setInterval(() => this.drain(), 10);
  }

  stop(): void {
    clearInterval(this.timer);
    this.drain();
  }

  expect(psid: string, at: number): void {
    this.first.set(`${psid}@${at}`, !this.seen.has(psid));
    this.seen.add(psid);
    const queue = this.pending.get(psid);
    if (queue) queue.push(at);
    else this.pending.set(psid, [at]);
  }

  drain(): void {
    const requests = this.graph.requests.splice(0, this.graph.requests.length);
    for (const r of requests) this.note(r);
  }

  private note(r: RecordedRequest): void {
    const body = r.body as { message?: unknown; recipient?: { id?: string } } | undefined;
    const psid = body?.recipient?.id;
    if (r.method === 'POST' && /\/messages$/.test(r.path) && body?.message !== undefined && psid) {
      const queue = this.pending.get(psid);
      const sentAt = queue?.shift();
      if (sentAt !== undefined) {
        this.latencies.push(r.at - sentAt);
        this.replyTimes.push(r.at);
        if (REPLY_LOG)
          this.replies.push([
            sentAt,
            r.at - sentAt,
            this.first.get(`${psid}@${sentAt}`) ?? false,
            this.mids.get(`${psid}@${sentAt}`) ?? '-',
          ]);
        if (queue!.length === 0) this.pending.delete(psid);
        return;
      }
    }
    this.other += 1;
  }

  outstanding(): number {
    let n = 0;
    for (const q of this.pending.values()) n += q.length;
    return n;
  }
}

function signedMessage(pageId: string, psid: string, mid: string, now: number): { body: string; signature: string } {
  const body = JSON.stringify({
    object: 'page',
    entry: [
      {
        id: pageId,
        time: now,
        messaging: [{ sender: { id: psid }, recipient: { id: pageId }, timestamp: now, message: { mid, text: 'where is my order' } }],
      },
    ],
  });
  return { body, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
}

async function e2e(graph: GraphApiDouble, options: E2eOptions): Promise<E2eResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL('/ccm/webhook', options.url);
  const watch = new ReplyWatch(graph);
  graph.requests.length = 0;
  watch.start();
  const acks: number[] = [];
  let ackFailures = 0;
  let offered = 0;
  const total = Math.round(options.rate * options.seconds);
  const start = Date.now();
  const inFlight = new Set<Promise<void>>();

  const post = (n: number) => {
    const customer = n % options.customers;
    const pageId = pages[customer % pages.length].pageId;
    const psid = loadRunPsid(options.runId, customer);
    const sentAt = Date.now();
    const { body, signature } = signedMessage(pageId, psid, `m_${options.runId}_${n}`, sentAt);
    watch.expect(psid, sentAt);
    if (REPLY_LOG) watch.mids.set(`${psid}@${sentAt}`, `m_${options.runId}_${n}`);
    const done = new Promise<void>((resolve) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-hub-signature-256': signature },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) acks.push(Date.now() - sentAt);
            else ackFailures += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        ackFailures += 1;
        resolve();
      });
      req.end(body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * options.rate));
      while (offered < due) post(offered++);
      if (offered >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  const windowEnd = start + options.seconds * 1000;
  // Bounded: acks still outstanding after the drain time are counted as failures.
  const drainDeadline = Date.now() + options.drainMs;
  while (inFlight.size > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
  ackFailures += inFlight.size;
  while (watch.outstanding() > 0 && Date.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 20));
    watch.drain();
  }
  watch.stop();
  agent.destroy();
  if (REPLY_LOG)
    appendFileSync(
      REPLY_LOG,
      `# run ${options.runId} at ${options.rate}/s\n` +
        watch.replies
          .map(
            ([at, ms, first, mid]) =>
              `${new Date(at).toISOString().slice(11, 23)} ${at - start} ${ms} ${first ? 'new' : 'old'} ${mid} ${at}\n`,
          )
          .join(''),
    );
  const latencies = [...watch.latencies].sort((a, b) => a - b);
  const ackSorted = [...acks].sort((a, b) => a - b);
  return {
    offered,
    acked: acks.length,
    ackFailures,
    ackP50: percentile(ackSorted, 50),
    ackP99: percentile(ackSorted, 99),
    ackMax: ackSorted[ackSorted.length - 1] ?? NaN,
    answered: latencies.length,
    answeredPerSecond: watch.replyTimes.filter((t) => t <= windowEnd).length / options.seconds,
    replyP50: percentile(latencies, 50),
    replyP99: percentile(latencies, 99),
    replyMax: latencies[latencies.length - 1] ?? NaN,
    unanswered: watch.outstanding(),
    otherGraphCallsPerMessage: watch.other / Math.max(1, offered),
  };
}

/** Counts replies to PSIDs with `prefix` until `count` arrived (or time ran out). */
async function burstWait(
  graph: GraphApiDouble,
  prefix: string,
  count: number,
  timeoutMs: number,
): Promise<{ answered: number; lastAt: number }> {
  let answered = 0;
  let lastAt = 0;
  const deadline = Date.now() + timeoutMs;
  while (answered < count && Date.now() < deadline) {
    for (const r of graph.requests.splice(0, graph.requests.length)) {
      const body = r.body as { message?: unknown; recipient?: { id?: string } } | undefined;
      if (r.method === 'POST' && body?.message !== undefined && body.recipient?.id?.startsWith(prefix)) {
        answered += 1;
        lastAt = r.at;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { answered, lastAt };
}

async function main(): Promise<void> {
  const graph = await GraphApiDouble.start({ appSecret: secret, pages });
  process.on('message', (message: { id: number; cmd: string } & Record<string, unknown>) => {
    const reply = (result: unknown) => process.send?.({ id: message.id, result });
    if (message.cmd === 'e2e') void e2e(graph, message as unknown as E2eOptions).then(reply);
    else if (message.cmd === 'burst-start') {
      graph.requests.length = 0;
      reply(Date.now());
    } else if (message.cmd === 'burst-wait')
      void burstWait(graph, message.prefix as string, message.count as number, message.timeoutMs as number).then(reply);
    else if (message.cmd === 'drop') {
      graph.requests.length = 0;
      reply(true);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.stdout.write(`READY ${graph.url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench double failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

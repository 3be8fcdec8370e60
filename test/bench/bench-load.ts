/**
 * The load client of `npm run bench`: autocannon in its own process, pinned by the orchestrator to
 * the other core (`taskset -c 1`). Every request carries a distinct body (its own message id, and a
 * customer from a pool) signed with X-Hub-Signature-256, so the server can neither cache nor
 * de-duplicate its way to a better figure. Prints one JSON line with the results and the client's
 * own CPU use (to show the load tool is not the bottleneck).
 */
import autocannon from 'autocannon';
import { createHmac } from 'node:crypto';
import { loadRunPsid } from '../helpers/fixtures';

export interface LoadOptions {
  url: string;
  secret: string;
  pageIds: string[];
  connections: number;
  /** Run for this long… */
  seconds?: number;
  /** …or send exactly this many requests (stopped after `maxSeconds` if the server is slower). */
  amount?: number;
  maxSeconds?: number;
  /** Distinct customers the requests are spread over (default: one per request). */
  customers?: number;
  /** Makes message ids and PSIDs unique across runs against the same database. */
  runId: string;
}

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Client process CPU over the run, as a share of one core (1 = one core fully busy). */
  clientCpu: number;
}

function body(options: LoadOptions, n: number, now: number): string {
  const customer = options.customers ? n % options.customers : n;
  const pageId = options.pageIds[customer % options.pageIds.length];
  const psid = loadRunPsid(options.runId, customer);
  return JSON.stringify({
    object: 'page',
    entry: [
      {
        id: pageId,
        time: now,
        messaging: [
          {
            sender: { id: psid },
            recipient: { id: pageId },
            timestamp: now,
            message: { mid: `m_${options.runId}_${n}`, text: 'where is my order' },
          },
        ],
      },
    ],
  });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as LoadOptions;
  let n = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds ?? 10,
        amount: options.amount,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/ccm/webhook',
            setupRequest: (request) => {
              const payload = body(options, n++, Date.now());
              const signature = `sha256=${createHmac('sha256', options.secret).update(payload).digest('hex')}`;
              return {
                ...request,
                body: payload,
                headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
              };
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    if (options.maxSeconds) {
      const timer = setTimeout(() => instance.stop(), options.maxSeconds * 1000);
      instance.on('done', () => clearTimeout(timer));
    }
  });
  const wall = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const out: LoadResult = {
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    clientCpu: (cpu.user + cpu.system) / 1e6 / wall,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

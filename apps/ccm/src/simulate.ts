/**
 * Plays a Messenger customer against a ccm running in local mode (`npm start`): the message goes through
 * the Messenger simulator's API (so it is signed and batched like Meta's and shows on the simulator page),
 * then ccm's replies are printed, templates rendered as text. `npm run simulate -- --help` for options.
 */
import { numericPsid } from '@app/graph-double';
import { renderPageMessage } from '../../simulator/src/render-text';
import { parseSimulateArgs, SIMULATE_USAGE, SimulateArgsError } from '../../simulator/src/simulate-args';

interface Item {
  seq: number;
  from: 'customer' | 'page';
  status: string;
  message?: Record<string, unknown>;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseSimulateArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof SimulateArgsError) {
      process.stderr.write(`simulate: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (args.help) {
    process.stdout.write(`${SIMULATE_USAGE}\n`);
    return;
  }
  const port = Number(process.env.PORT ?? 3000);
  const simulator = `http://127.0.0.1:${Number(process.env.LOCAL_GRAPH_PORT ?? port + 1)}/sim/api`;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${simulator}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).catch(() => {
      throw new Error(`no Messenger simulator at ${simulator.replace('/sim/api', '')} — is ccm running in local mode (npm start)?`);
    });
    const data = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(String(data.error ?? response.statusText));
    return data;
  };

  // The simulator gives a customer named by `--psid bob` its numeric PSID (Meta's ids are numeric).
  const psid = numericPsid(args.psid);
  const state = (await call('GET', '/state')) as { customers: { psid: string }[] };
  if (!state.customers.some((c) => c.psid === psid)) await call('POST', '/customers', { psid: args.psid });
  const before = (await call('GET', `/customers/${psid}/thread`)) as { items: Item[] };
  const since = before.items.at(-1)?.seq ?? 0;

  if (args.postback !== undefined) {
    await call('POST', `/customers/${psid}/postbacks`, { title: args.postback, payload: args.postback });
    console.log(`${args.psid} taps a button (payload ${args.postback})`);
  } else {
    const text = args.text ?? args.quickReply ?? '';
    await call('POST', `/customers/${psid}/messages`, { text, ...(args.quickReply ? { quickReplyPayload: args.quickReply } : {}) });
    console.log(`${args.psid}: ${text}${args.quickReply ? `   (quick reply ${args.quickReply})` : ''}`);
  }
  if (args.waitSeconds === 0) return;

  // Print replies as they come; stop 1.5 s after the last one, or at the deadline.
  const deadline = Date.now() + args.waitSeconds * 1000;
  let printedUpTo = since;
  let lastReplyAt = 0;
  while (Date.now() < deadline && !(lastReplyAt && Date.now() - lastReplyAt > 1500)) {
    const { items } = (await call('GET', `/customers/${psid}/thread`)) as { items: Item[] };
    for (const item of items.filter((i) => i.seq > printedUpTo && i.from === 'page')) {
      const [first, ...rest] = renderPageMessage(item.message ?? {});
      console.log(`ccm → ${args.psid}: ${first}`);
      for (const line of rest) console.log(`    ${line}`);
      lastReplyAt = Date.now();
    }
    printedUpTo = Math.max(printedUpTo, ...items.filter((i) => i.from === 'page').map((i) => i.seq));
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!lastReplyAt) console.log(`(no reply within ${args.waitSeconds} s — is the conversation with an agent? The desk answers there.)`);
}

main().catch((error: unknown) => {
  console.error(`simulate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

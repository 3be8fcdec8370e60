/**
 * Plays a Messenger customer against a ccm running in local mode (`npm start` without credentials):
 * signs and posts a text webhook, then prints what ccm sent back through the Graph API double.
 *
 *   npm run simulate -- "where is my order"          (PSID defaults to local-customer-1)
 *   npm run simulate -- --psid alice "hello"
 */
import { LOCAL_MODE_CREDENTIALS } from '@app/config';
import { MessengerSimulator } from '@app/graph-double';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let psid = 'local-customer-1';
  const psidFlag = args.indexOf('--psid');
  if (psidFlag >= 0) {
    psid = args[psidFlag + 1];
    args.splice(psidFlag, 2);
  }
  const text = args.join(' ') || 'hello';
  const port = Number(process.env.PORT ?? 3000);
  const doublePort = Number(process.env.LOCAL_GRAPH_PORT ?? port + 1);
  const pageId = process.env.FACEBOOK_PAGE_ID ?? LOCAL_MODE_CREDENTIALS.pageId;
  const controlUrl = `http://127.0.0.1:${doublePort}/_double/requests`;

  const before = (await (await fetch(controlUrl)).json()) as { requests: { seq: number }[] };
  const since = before.requests.at(-1)?.seq ?? 0;
  const simulator = new MessengerSimulator({
    webhookUrl: `http://127.0.0.1:${port}/ccm/webhook`,
    appSecret: LOCAL_MODE_CREDENTIALS.appSecret,
    pageId,
  });
  const { response } = await simulator.sendText(psid, text);
  console.log(`customer ${psid}: ${text}   (webhook answered ${response.status})`);

  const deadline = Date.now() + 3000;
  let printed = 0;
  while (Date.now() < deadline) {
    const { requests } = (await (await fetch(`${controlUrl}?since=${since}`)).json()) as {
      requests: { body: { recipient?: { id?: string }; message?: { text?: string } }; status: number }[];
    };
    const replies = requests.filter((r) => r.body.recipient?.id === psid && r.body.message);
    for (const reply of replies.slice(printed))
      console.log(`ccm → ${psid}: ${reply.body.message?.text ?? JSON.stringify(reply.body.message)}`);
    printed = replies.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  if (printed === 0) console.log('(no reply within 3 s — is the conversation with an agent?)');
}

main().catch((error: unknown) => {
  console.error(`simulate failed: ${error instanceof Error ? error.message : String(error)} — is ccm running in local mode (npm start)?`);
  process.exit(1);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareForInstagram } from '@app/channel-instagram';
import { enqueueOutbound } from '@app/conversations';
import { GraphApiDouble, MessengerSimulator, webhookEnvelope } from '@app/graph-double';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, eventually } from '../helpers/ccm-harness';
import { CcmProcess, spawnCcm, testPort } from '../helpers/ccm-process';
import { LIB_MIGRATIONS } from '../../apps/ccm/src/schema';
import { testPsid } from '../helpers/fixtures';

jest.setTimeout(120_000);

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const IG_ACCOUNT = '17841400000000001';
const IGSID = '5310000000000066';

/**
 * Issue 16's durable parts, with the real process killed by SIGKILL (no shutdown hooks) and restarted
 * on the same SQLite file: a media download under way at the kill is retried after the restart, and an
 * Instagram message split in parts continues with the part after the last one Meta accepted.
 */
describe('Meta features after a SIGKILL', () => {
  let graph: GraphApiDouble;
  let dbFile: string;
  let mediaDir: string;
  let port: number;
  let ccm: CcmProcess | undefined;

  const env = () => ({
    PORT: String(port),
    DATABASE_URL: `sqlite:${dbFile}`,
    FACEBOOK_APP_SECRET: APP_SECRET,
    FACEBOOK_VERIFY_TOKEN: VERIFY_TOKEN,
    FACEBOOK_PAGE_ACCESS_TOKEN: PAGE_TOKEN,
    FACEBOOK_PAGE_ID: PAGE_ID,
    FACEBOOK_INSTAGRAM_ACCOUNT_ID: IG_ACCOUNT,
    FACEBOOK_GRAPH_API_URL: graph.url,
    TOKEN_CHECK_INTERVAL_MS: '0',
    SUBSCRIPTION_CHECK_INTERVAL_MS: '0',
    MEDIA_DIR: mediaDir,
    MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    // A dead process's claims (outbox leases, media downloads) lapse after 2 s instead of 30.
    WORK_LEASE_MS: '2000',
    FB_ROUTING_POLICY: 'AGENT_ONLY', // no bot replies in the way
  });

  async function openDb(): Promise<PersistenceService> {
    const open = await openDatabase({ dialect: 'sqlite', url: dbFile });
    await migrateToLatest(open, LIB_MIGRATIONS);
    return new PersistenceService(open);
  }

  async function withDb<T>(work: (db: PersistenceService) => Promise<T>): Promise<T> {
    const db = await openDb();
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccm-meta-crash-'));
    dbFile = join(dir, 'ccm.sqlite');
    mediaDir = join(dir, 'media');
    port = testPort();
    graph = await GraphApiDouble.start({ appSecret: APP_SECRET, pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN }] });
  });
  afterEach(async () => {
    await ccm?.kill('SIGTERM');
    ccm = undefined;
    await graph.stop();
    rmSync(join(dbFile, '..'), { recursive: true, force: true });
  });

  it('should retry, after a restart, a media download that was under way when the process died', async () => {
    const url = graph.cdn.put('held.png', PNG, 'image/png');
    graph.cdn.hold('held.png'); // the CDN keeps the download waiting: the process dies in the middle of it
    ccm = spawnCcm(env());
    await ccm.ready(port);
    const simulator = new MessengerSimulator({
      webhookUrl: `http://127.0.0.1:${port}/ccm/webhook`,
      appSecret: APP_SECRET,
      pageId: PAGE_ID,
    });
    const response = await simulator.post(
      webhookEnvelope([
        {
          pageId: PAGE_ID,
          messaging: [
            {
              sender: { id: testPsid('media-crash') },
              recipient: { id: PAGE_ID },
              timestamp: Date.now(),
              message: { mid: 'm_media_crash', attachments: [{ type: 'image', payload: { url } }] },
            },
          ],
        },
      ]),
    );
    expect(response.status).toBe(200);
    await eventually(async () => graph.cdn.hits('held.png') >= 1, 20_000);
    await ccm.kill('SIGKILL');
    ccm = undefined;

    const key = await withDb(async (db) => {
      const rows = await db.db
        .withTables<{ media_objects: { key: string; status: string } }>()
        .selectFrom('media_objects')
        .selectAll()
        .execute();
      expect(rows).toEqual([expect.objectContaining({ status: 'pending' })]); // recorded with the message, not downloaded
      return rows[0].key;
    });

    graph.cdn.release('held.png');
    ccm = spawnCcm(env());
    await ccm.ready(port);
    await eventually(
      () =>
        withDb(async (db) => {
          const row = await db.db
            .withTables<{ media_objects: { key: string; status: string; attempts: number } }>()
            .selectFrom('media_objects')
            .selectAll()
            .where('key', '=', key)
            .executeTakeFirst();
          return row?.status === 'stored' ? row : undefined;
        }),
      30_000,
      250,
    );
    graph.cdn.expire('held.png');
    const served = await fetch(`http://127.0.0.1:${port}/media/${key}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
  });

  it('should continue a split Instagram message after the last accepted part, neither losing nor repeating one', async () => {
    graph.instagram.link(IG_ACCOUNT, PAGE_ID);
    graph.instagram.addUser({ igsid: IGSID, accountId: IG_ACCOUNT, name: 'Ines Gram' });
    // 2,100 characters, 4,200 bytes of UTF-8: one message for ccm, several parts for Instagram (≤ 1000 bytes each).
    const text = Array.from({ length: 300 }, (_, i) => `ñandú${i % 10}`).join(' ');
    const expected = prepareForInstagram({ kind: 'text', text }).map((p) => (p.kind === 'text' ? p.text : ''));
    expect(expected.length).toBeGreaterThanOrEqual(4);
    const messageId = await withDb(async (db) => {
      const conversation = await db.repos.conversations.ensure({ channel: 'instagram', pageId: PAGE_ID, customerId: IGSID }, Date.now());
      await db.repos.conversations.update(conversation.id, { last_user_event_at: Date.now() });
      const [id] = await enqueueOutbound(db.repos, conversation.id, 'agent', { kind: 'text', text }, Date.now());
      return id;
    });
    const accepted = () => graph.sentMessages(IGSID).map((r) => (r.body as { message: { text: string } }).message.text);
    // Once Meta accepted the first part, the next call hangs (and then fails): the process dies waiting for it.
    let armed = false;
    graph.onRecorded((record) => {
      if (!armed && record.status === 200 && (record.body as { recipient?: { id?: string } }).recipient?.id === IGSID) {
        armed = true;
        graph.injectFault({ status: 500, code: 2, message: 'An unexpected error has occurred.', delayMs: 8_000 });
      }
    });
    ccm = spawnCcm(env());
    await ccm.ready(port);
    await eventually(async () => accepted().length === 1 && graph.inFlight === 1, 20_000);
    await ccm.kill('SIGKILL');
    ccm = undefined;
    expect(await withDb(async (db) => (await db.repos.messages.findById(messageId))?.status)).toBe('queued');
    graph.clearFaults();

    ccm = spawnCcm(env());
    await ccm.ready(port);
    await eventually(() => withDb(async (db) => (await db.repos.messages.findById(messageId))?.status === 'sent'), 30_000, 250);
    await eventually(async () => accepted().length >= expected.length, 10_000); // a part lost would time out here
    // Each part exactly once, in order: the first before the kill, the rest after the restart.
    expect(accepted()).toEqual(expected);
    expect(expected.every((p) => Buffer.byteLength(p, 'utf8') <= 1000)).toBe(true);
    expect(expected.join(' ').replace(/\s+/g, ' ')).toBe(text);
    expect(
      await withDb((db) =>
        db.db.withTables<{ instagram_send_parts: { message_id: number } }>().selectFrom('instagram_send_parts').selectAll().execute(),
      ),
    ).toEqual([]);
  });
});

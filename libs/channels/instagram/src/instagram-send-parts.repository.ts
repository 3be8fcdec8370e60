import { Kysely } from 'kysely';
import { Repositories } from '@app/persistence';

/**
 * How many parts of a split Instagram message Meta has accepted (migration 0556). Written after each
 * accepted part, so a retry — after a failure in the middle, or after the process died between two
 * parts — continues with the next part: none is lost, none sent twice. (A crash in the instant between
 * Meta's acceptance of a part and this write still repeats that one part: the outbox's at-least-once.)
 */
export interface InstagramSendPartsTable {
  message_id: number;
  parts_sent: number;
  updated_at: number;
}

type Db = Kysely<{ instagram_send_parts: InstagramSendPartsTable }>;

export class InstagramSendPartsRepository {
  private readonly db: Db;

  constructor(repos: Repositories) {
    this.db = repos.db.withTables<{ instagram_send_parts: InstagramSendPartsTable }>() as unknown as Db;
  }

  async partsSent(messageId: number): Promise<number> {
    const row = await this.db
      .selectFrom('instagram_send_parts')
      .select('parts_sent')
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    return row ? Number(row.parts_sent) : 0;
  }

  /** Records that the first `parts` parts were accepted (never moves backwards). */
  async record(messageId: number, parts: number, now: number): Promise<void> {
    await this.db
      .insertInto('instagram_send_parts')
      .values({ message_id: messageId, parts_sent: parts, updated_at: now })
      .onConflict((oc) =>
        oc.column('message_id').doUpdateSet({ parts_sent: parts, updated_at: now }).where('instagram_send_parts.parts_sent', '<', parts),
      )
      .execute();
  }

  /** The whole message went out: its progress is no longer needed. */
  async done(messageId: number): Promise<void> {
    await this.db.deleteFrom('instagram_send_parts').where('message_id', '=', messageId).execute();
  }
}

import { Kysely, Migration, MigrationProvider } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Schema migrations, applied at startup by `DatabaseService`. Append new migrations; never edit an
 * applied one. The same builder calls run on SQLite and PostgreSQL; the only dialect difference is
 * the auto-increment key, which `serialId` hides.
 */
export function ccmMigrations(dialect: Dialect): MigrationProvider {
  const serialId = (db: Kysely<unknown>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );

  const migrations: Record<string, Migration> = {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('conversations')
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('channel', 'varchar(32)', (c) => c.notNull())
          .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('customer_id', 'varchar(128)', (c) => c.notNull())
          .addColumn('state', 'varchar(16)', (c) => c.notNull())
          .addColumn('handover_reason', 'text')
          .addColumn('queued_at', 'bigint')
          .addColumn('last_user_event_at', 'bigint')
          .addColumn('lease_owner', 'varchar(64)')
          .addColumn('lease_until', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('conversations_key', ['channel', 'page_id', 'customer_id'])
          .execute();
        await db.schema.createIndex('conversations_state').on('conversations').columns(['state', 'queued_at']).execute();

        await serialId(db, 'messages')
          .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull().references('conversations.id'))
          .addColumn('direction', 'varchar(8)', (c) => c.notNull())
          .addColumn('author', 'varchar(16)', (c) => c.notNull())
          .addColumn('text', 'text')
          .addColumn('content', 'text')
          .addColumn('mid', 'varchar(255)')
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint')
          .addColumn('lease_until', 'bigint')
          .addColumn('error', 'text')
          .addColumn('event_ts', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('sent_at', 'bigint')
          .addUniqueConstraint('messages_mid', ['conversation_id', 'mid'])
          .execute();
        await db.schema.createIndex('messages_outbox').on('messages').columns(['status', 'next_attempt_at']).execute();
        await db.schema.createIndex('messages_conversation').on('messages').columns(['conversation_id', 'id']).execute();

        await serialId(db, 'inbound_events')
          .addColumn('dedupe_key', 'varchar(512)', (c) => c.notNull().unique())
          .addColumn('channel', 'varchar(32)', (c) => c.notNull())
          .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('customer_id', 'varchar(128)')
          .addColumn('conversation_id', 'varchar(36)')
          .addColumn('kind', 'varchar(32)', (c) => c.notNull())
          .addColumn('event_ts', 'bigint', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('processed_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('inbound_events_pending')
          .on('inbound_events')
          .columns(['status', 'next_attempt_at', 'conversation_id'])
          .execute();

        await serialId(db, 'conversation_events')
          .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull().references('conversations.id'))
          .addColumn('type', 'varchar(32)', (c) => c.notNull())
          .addColumn('from_state', 'varchar(16)')
          .addColumn('to_state', 'varchar(16)')
          .addColumn('reason', 'text')
          .addColumn('actor', 'varchar(64)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0002_ownership_and_page_health': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('conversations').addColumn('assigned_agent_id', 'varchar(64)').execute();
        await db.schema.alterTable('conversations').addColumn('customer_profile', 'text').execute();
        await db.schema.alterTable('conversations').addColumn('profile_fetched_at', 'bigint').execute();
        await db.schema
          .createTable('page_states')
          .addColumn('page_id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('token_status', 'varchar(16)', (c) => c.notNull())
          .addColumn('token_error', 'text')
          .addColumn('access_token', 'text')
          .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('block_reason', 'text')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Issue 7: agents and their logins, desk read pointers, bot context for agents, chat-server outbox.
    '0100_agent_desk': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('agents')
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
          .addColumn('display_name', 'varchar(128)', (c) => c.notNull())
          .addColumn('role', 'varchar(16)', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('status_changed_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint')
          .addColumn('max_chats', 'integer')
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await serialId(db, 'login_failures')
          .addColumn('username', 'varchar(64)', (c) => c.notNull())
          .addColumn('ip', 'varchar(64)', (c) => c.notNull())
          .addColumn('failed_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('login_failures_key').on('login_failures').columns(['username', 'ip', 'failed_at']).execute();
        await db.schema.alterTable('conversations').addColumn('assigned_at', 'bigint').execute();
        await db.schema.alterTable('conversations').addColumn('agent_seen_message_id', 'bigint').execute();
        await db.schema.alterTable('conversations').addColumn('bot_intent', 'varchar(64)').execute();
        await db.schema.alterTable('conversations').addColumn('bot_confidence', 'double precision').execute();
        await db.schema.createIndex('conversations_agent').on('conversations').columns(['assigned_agent_id', 'state']).execute();
        await serialId(db, 'bridge_outbox')
          .addColumn('dedupe_key', 'varchar(255)', (c) => c.notNull().unique())
          .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('event_type', 'varchar(32)', (c) => c.notNull())
          .addColumn('message_id', 'bigint')
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('lease_until', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('delivered_at', 'bigint')
          .execute();
        await db.schema.createIndex('bridge_outbox_due').on('bridge_outbox').columns(['status', 'next_attempt_at']).execute();
      },
    },
    '0003_routing_settings': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('page_settings')
          .addColumn('page_id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('routing_policy', 'varchar(16)')
          .addColumn('confidence_threshold', 'double precision')
          .addColumn('low_confidence_turns', 'integer')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_by', 'varchar(64)', (c) => c.notNull())
          .execute();
        await serialId(db, 'admin_audit')
          .addColumn('actor', 'varchar(64)', (c) => c.notNull())
          .addColumn('action', 'varchar(64)', (c) => c.notNull())
          .addColumn('target', 'varchar(128)', (c) => c.notNull())
          .addColumn('before_value', 'text')
          .addColumn('after_value', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .alterTable('conversations')
          .addColumn('low_confidence_streak', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('conversations').addColumn('queue_position_told', 'integer').execute();
        await db.schema.alterTable('conversations').addColumn('queue_timeout_told_at', 'bigint').execute();
      },
    },
    // Issue 8: conversations linked across channels, and the Page comments channel's own table
    // (read and written only by libs/channels/comments; facts from the feed webhook plus the state
    // our actions change, e.g. the once-per-comment private reply).
    '0200_comments': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('conversations').addColumn('linked_conversation_id', 'varchar(36)').execute();
        await db.schema
          .createTable('page_comments')
          .addColumn('comment_id', 'varchar(128)', (c) => c.primaryKey())
          .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('post_id', 'varchar(128)', (c) => c.notNull())
          .addColumn('parent_id', 'varchar(128)')
          .addColumn('author_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('author_name', 'varchar(255)')
          .addColumn('customer_id', 'varchar(128)', (c) => c.notNull())
          .addColumn('from_page', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_time', 'bigint', (c) => c.notNull())
          .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('liked', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('private_reply_at', 'bigint')
          .addColumn('private_reply_conversation_id', 'varchar(36)')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('page_comments_customer')
          .on('page_comments')
          .columns(['page_id', 'customer_id', 'created_time'])
          .execute();
      },
    },
    '0004_attachment_cache': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('attachment_cache')
          .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('url', 'varchar(2048)', (c) => c.notNull())
          .addColumn('attachment_id', 'varchar(128)', (c) => c.notNull())
          .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('attachment_cache_pk', ['page_id', 'url'])
          .execute();
      },
    },
    // Issue 14 (agent desk): back-to-queue exclusion, snooze, CSAT on conversations; notes and canned responses.
    '0500_desk_work_states': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('conversations').addColumn('released_by_agent_id', 'varchar(64)').execute();
        await db.schema.alterTable('conversations').addColumn('snoozed_until', 'bigint').execute();
        await db.schema.alterTable('conversations').addColumn('csat_asked_at', 'bigint').execute();
        await db.schema.alterTable('conversations').addColumn('csat_rating', 'integer').execute();
        await db.schema.alterTable('conversations').addColumn('csat_answered_at', 'bigint').execute();
        await db.schema.alterTable('messages').addColumn('sent_by_agent_id', 'varchar(64)').execute();
        await db.schema.alterTable('messages').addColumn('sent_by_name', 'varchar(128)').execute();
        await serialId(db, 'desk_notes')
          .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull().references('conversations.id'))
          .addColumn('agent_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('author_name', 'varchar(128)', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('desk_notes_conversation').on('desk_notes').columns(['conversation_id', 'id']).execute();
        await db.schema
          .createTable('desk_canned_responses')
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('shortcut', 'varchar(32)', (c) => c.notNull().unique())
          .addColumn('title', 'varchar(128)', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('updated_by', 'varchar(128)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0501_message_reactions_edits': {
      async up(db: Kysely<unknown>) {
        // Shown live in the desk: the customer's current reaction to a message (Meta allows one per
        // person), when it was set (older events never overwrite newer ones), and when a message was edited.
        await db.schema.alterTable('messages').addColumn('customer_reaction', 'varchar(64)').execute();
        await db.schema.alterTable('messages').addColumn('customer_reaction_at', 'bigint').execute();
        await db.schema.alterTable('messages').addColumn('edited_at', 'bigint').execute();
      },
    },
    // Issue 11: the three queue tables become one work-queue primitive (see work-queue.ts): every
    // claim carries an owner and an epoch, and state changes after a claim are fenced on both.
    '0300_work_queue_leases': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('inbound_events').addColumn('lease_owner', 'varchar(64)').execute();
        await db.schema.alterTable('inbound_events').addColumn('lease_until', 'bigint').execute();
        for (const table of ['inbound_events', 'messages', 'bridge_outbox']) {
          if (table !== 'inbound_events') await db.schema.alterTable(table).addColumn('lease_owner', 'varchar(64)').execute();
          await db.schema
            .alterTable(table)
            .addColumn('lease_epoch', 'integer', (c) => c.notNull().defaultTo(0))
            .execute();
        }
        // Head-of-key checks look up a conversation's unfinished items.
        await db.schema.createIndex('inbound_events_key').on('inbound_events').columns(['conversation_id', 'status']).execute();
        await db.schema.createIndex('bridge_outbox_key').on('bridge_outbox').columns(['conversation_id', 'status']).execute();
      },
    },
    // Issue 16 (meta, range 0550–0599).
    '0550_meta_rules': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('conversations').addColumn('ads_message_at', 'bigint').execute();
        await db.schema.alterTable('conversations').addColumn('bot_disclosed_at', 'bigint').execute();
      },
    },
    // Messenger Profile per Page (read and written only by libs/channels/messenger): what was applied, and Meta's read-back.
    '0551_messenger_profiles': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('messenger_profiles')
          .addColumn('page_id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('profile', 'text', (c) => c.notNull())
          .addColumn('profile_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('read_back', 'text')
          .addColumn('applied_by', 'varchar(128)', (c) => c.notNull())
          .addColumn('applied_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Subscription health per Page (issue 16): is the app subscribed to the Page with the fields ccm needs.
    '0552_page_subscription': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('page_states').addColumn('subscription_status', 'varchar(16)').execute();
        await db.schema.alterTable('page_states').addColumn('subscription_problem', 'text').execute();
        await db.schema.alterTable('page_states').addColumn('subscription_checked_at', 'bigint').execute();
      },
    },
    // Media store (issue 16): ccm's copies of inbound attachments (bytes in the storage driver).
    '0553_media_objects': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('media_objects')
          .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('message_id', 'bigint')
          .addColumn('source_url', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('content_type', 'varchar(255)')
          .addColumn('size', 'bigint')
          .addColumn('error', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('stored_at', 'bigint')
          .execute();
      },
    },
    // Conversation Routing (issue 16): which app owns the Messenger thread when it is not ccm.
    '0554_thread_owner': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('conversations').addColumn('thread_owner', 'varchar(32)').execute();
      },
    },
    // Media store: a download pending when the process died is found again and retried (issue 16).
    '0555_media_pending': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('media_objects').addColumn('attachment_type', 'varchar(16)').execute();
        await db.schema.alterTable('media_objects').addColumn('claimed_until', 'bigint').execute();
        await db.schema
          .alterTable('media_objects')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('media_objects_status').on('media_objects').columns(['status', 'created_at']).execute();
      },
    },
    // Instagram: how many parts of a split outbound message Meta accepted (survives a crash mid-split).
    '0556_instagram_send_parts': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('instagram_send_parts')
          .addColumn('message_id', 'bigint', (c) => c.primaryKey())
          .addColumn('parts_sent', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Conversation Routing: when another app's control of the thread lapses (24 h without activity).
    '0557_thread_owner_expiry': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('conversations').addColumn('thread_owner_expires_at', 'bigint').execute();
      },
    },
    // Issue 13 (ops, range 0450–0499).
    '0450_messages_correlation_id': {
      async up(db: Kysely<unknown>) {
        // The correlation id of the inbound event whose handling queued the message (logs follow it to the send).
        await db.schema.alterTable('messages').addColumn('correlation_id', 'varchar(40)').execute();
      },
    },
    '0451_agent_token_revocation': {
      async up(db: Kysely<unknown>) {
        // Tokens issued before this moment are refused (logout, disable, role change).
        await db.schema.alterTable('agents').addColumn('tokens_valid_after', 'bigint').execute();
      },
    },
    // Issue 12 fixes (bugs, range 0650–0699).
    '0650_messages_reply_to_mid': {
      async up(db: Kysely<unknown>) {
        // The customer message an outbound message answers (a comment reply goes under that comment).
        await db.schema.alterTable('messages').addColumn('reply_to_mid', 'varchar(255)').execute();
      },
    },
  };
  return { getMigrations: async () => migrations };
}

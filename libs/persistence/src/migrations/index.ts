import { MigrationSet } from '../schema-migrations';
import { migration as m0001 } from './0001_initial';
import { migration as m0002 } from './0002_ownership_and_page_health';
import { migration as m0003 } from './0003_routing_settings';
import { migration as m0004 } from './0004_attachment_cache';
import { migration as m0100 } from './0100_agent_desk';
import { migration as m0300 } from './0300_work_queue_leases';
import { migration as m0380 } from './0380_outbox_queued_index';
import { migration as m0393 } from './0393_conversations_choices_offered';
import { migration as m0397 } from './0397_queue_waiting_indexes';
import { migration as m0450 } from './0450_messages_correlation_id';
import { migration as m0451 } from './0451_agent_token_revocation';
import { migration as m0501 } from './0501_message_reactions_edits';
import { migration as m0502 } from './0502_page_hours_and_channel_policies';
import { migration as m0550 } from './0550_meta_rules';
import { migration as m0552 } from './0552_page_subscription';
import { migration as m0554 } from './0554_thread_owner';
import { migration as m0557 } from './0557_thread_owner_expiry';
import { migration as m0650 } from './0650_messages_reply_to_mid';

/** The persistence lib's schema migrations: one file each, listed here under its file name, in order. */
export const persistenceMigrations: MigrationSet = {
  owner: 'persistence',
  migrations: {
    '0001_initial': m0001,
    '0002_ownership_and_page_health': m0002,
    '0003_routing_settings': m0003,
    '0004_attachment_cache': m0004,
    '0100_agent_desk': m0100,
    '0300_work_queue_leases': m0300,
    '0380_outbox_queued_index': m0380,
    '0393_conversations_choices_offered': m0393,
    '0397_queue_waiting_indexes': m0397,
    '0450_messages_correlation_id': m0450,
    '0451_agent_token_revocation': m0451,
    '0501_message_reactions_edits': m0501,
    '0502_page_hours_and_channel_policies': m0502,
    '0550_meta_rules': m0550,
    '0552_page_subscription': m0552,
    '0554_thread_owner': m0554,
    '0557_thread_owner_expiry': m0557,
    '0650_messages_reply_to_mid': m0650,
  },
};

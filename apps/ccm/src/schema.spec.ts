import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { migrateToLatest, openDatabase, persistenceMigrations, schemaMigrationProvider } from '@app/persistence';
import { sqliteTestDatabase } from '@app/testing';
import { LIB_MIGRATIONS } from './schema';

const ROOT = join(__dirname, '..', '..', '..');

describe("schema: every lib's migrations", () => {
  it('should keep every migration name an existing database has recorded (kysely_migration), owned by one lib each', async () => {
    // Databases migrated before the migrations moved into their libs recorded exactly these names: a
    // rename would run that migration again on them (and fail on its existing tables).
    const names = Object.keys(await schemaMigrationProvider('sqlite', [persistenceMigrations, ...LIB_MIGRATIONS]).getMigrations());
    expect(names).toEqual(
      expect.arrayContaining([
        '0001_initial',
        '0002_ownership_and_page_health',
        '0003_routing_settings',
        '0004_attachment_cache',
        '0100_agent_desk',
        '0200_comments',
        '0300_work_queue_leases',
        '0450_messages_correlation_id',
        '0451_agent_token_revocation',
        '0500_desk_work_states',
        '0550_meta_rules',
        '0551_messenger_profiles',
        '0552_page_subscription',
        '0553_media_objects',
        '0554_thread_owner',
        // landed in the old single file while it was being split (moved by the merge):
        '0501_message_reactions_edits',
        '0555_media_pending',
        '0556_instagram_send_parts',
        '0557_thread_owner_expiry',
        '0650_messages_reply_to_mid',
      ]),
    );
    expect(names).toEqual([...names].sort());
  });

  it('should list every migration file of every lib under its file name, and nothing else', () => {
    const sets = new Map([persistenceMigrations, ...LIB_MIGRATIONS].map((s) => [s.owner, Object.keys(s.migrations)]));
    const folders = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        if (!entry.isDirectory() || entry.name === 'node_modules') return [];
        const path = join(dir, entry.name);
        return entry.name === 'migrations' ? [path] : folders(path);
      });
    const onDisk = folders(join(ROOT, 'libs')).map((dir) => ({
      dir: dir.slice(ROOT.length + 1),
      files: readdirSync(dir)
        .filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f))
        .map((f) => f.replace(/\.ts$/, ''))
        .sort(),
    }));
    const listed = [...sets.values()].flat().sort();
    expect(onDisk.flatMap((d) => d.files).sort()).toEqual(listed);
    // …and each folder's files are its own lib's set (a file in the wrong lib's list would pass above).
    for (const { files } of onDisk) expect([...sets.values()].some((names) => [...names].sort().join() === files.join())).toBe(true);
  });

  it('should bring a fresh database up to date, and a second start apply nothing', async () => {
    const open = await openDatabase(sqliteTestDatabase());
    try {
      await migrateToLatest(open, LIB_MIGRATIONS);
      const migrator = new Migrator({
        db: open.db,
        provider: schemaMigrationProvider('sqlite', [persistenceMigrations, ...LIB_MIGRATIONS]),
      });
      const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt);
      expect(pending).toEqual([]);
      const tables = (await open.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'conversations',
          'page_comments',
          'desk_notes',
          'messenger_profiles',
          'media_objects',
          'instagram_send_parts',
        ]),
      );
    } finally {
      await open.db.destroy();
    }
  });
});

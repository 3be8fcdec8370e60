import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DatabaseConfig } from '@app/config';

/** PostgreSQL the machine (and `.ci/run`) provides; override with CCM_TEST_PG_URL. */
export const TEST_PG_URL = process.env.CCM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh SQLite file in a temp folder: a real file, as in production. */
export function sqliteTestDatabase(): DatabaseConfig {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-test-'));
  return { dialect: 'sqlite', url: join(dir, 'ccm.sqlite') };
}

/** A fresh schema in the test PostgreSQL database, so parallel runs never see each other's rows. */
export function postgresTestDatabase(): DatabaseConfig & { schema: string } {
  const schema = `ccm_t_${randomBytes(6).toString('hex')}`;
  return { dialect: 'postgres', url: `${TEST_PG_URL}?schema=${schema}`, schema };
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/**
 * A whole database of its own on the test PostgreSQL (not just a schema), for tests that run ccm
 * processes against it: its advisory locks (leader election) and connections are its own too.
 * `drop` removes it, ending any connection a killed process left behind.
 */
export async function createPostgresTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `ccm_e2e_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(`drop database if exists "${name}" with (force)`) };
}

/** Both dialects, for `describe.each`: the same persistence tests must pass on each. */
export const TEST_DIALECTS = ['sqlite', 'postgres'] as const;

export function testDatabase(dialect: (typeof TEST_DIALECTS)[number]): { config: DatabaseConfig; cleanup: () => Promise<void> } {
  if (dialect === 'sqlite') return { config: sqliteTestDatabase(), cleanup: async () => undefined };
  const config = postgresTestDatabase();
  return { config, cleanup: () => dropPostgresSchema(config.schema) };
}

#!/usr/bin/env node
/**
 * Scaffolds a new channel module: `npm run generate:channel -- <name> [--root <repo dir>]`.
 *
 * Writes libs/channels/<name>/src (module, adapter, webhook mapper, their specs, index) and wires the
 * `@app/channel-<name>` alias into tsconfig.json, nest-cli.json and the jest moduleNameMapper. The
 * last step stays with you: add the module's line to CHANNELS in apps/ccm/src/channel-modules.ts. See
 * docs/adding-a-channel.md. Plain Node (no build step), so it runs on a fresh checkout.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseScaffoldArgs, scaffoldNames } = require('./scaffold-names');

function main(argv) {
  const args = parseScaffoldArgs(argv, 'usage: npm run generate:channel -- <name>   (kebab-case, e.g. "whatsapp" or "web-chat")');
  if (!args) return 1;
  const { root, name } = args;
  const result = generateChannel(root, name);
  process.stdout.write(
    `Created ${result.files.map((f) => path.relative(root, f)).join('\n        ')}\n` +
      `Wired @app/${result.alias.slice(5)} in tsconfig.json, nest-cli.json and package.json (jest).\n` +
      `Next: add { module: ${result.moduleClass} } to CHANNELS in apps/ccm/src/channel-modules.ts, then fill in the TODOs (docs/adding-a-channel.md).\n`,
  );
  return 0;
}

/** Generates the module under `root`; returns what it wrote. Throws if the channel already exists. */
function generateChannel(root, name) {
  const { pascal, camel, constant } = scaffoldNames(name);
  const dir = path.join(root, 'libs', 'channels', name, 'src');
  if (fs.existsSync(dir)) throw new Error(`libs/channels/${name} already exists`);
  const alias = `@app/channel-${name}`;
  const moduleClass = `${pascal}ChannelModule`;
  const files = {
    // The public surface names what it exports (no `export *`: see apps/ccm/src/architecture.spec.ts).
    'index.ts':
      `export { ${moduleClass} } from './${name}.module';\n` +
      `export { ${pascal}Adapter, ${pascal}Webhook, ${constant}_DESCRIPTOR } from './${name}.adapter';\n` +
      `export { ${constant}_CHANNEL, map${pascal}Entries } from './${name}-event.mapper';\n`,
    [`${name}.module.ts`]: `import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { ${pascal}Adapter } from './${name}.adapter';

/** The ${name} channel: its adapter is an extension (\`@Extends(CHANNELS)\`) the core finds by itself. */
@Module({
  imports: [ConversationsModule],
  providers: [${pascal}Adapter],
})
export class ${moduleClass} {}
`,
    [`${name}.adapter.ts`]: `import { Injectable } from '@nestjs/common';
import { ChannelAdapter, ChannelDescriptor, CHANNELS, ChannelWebhook, ChannelWebhookMapping, DeliveryError, Extends, OutboundMessage, OutboundTarget, WebhookEntry } from '@app/core';
import { PlainTextRenderer } from '@app/templates';
import { ${constant}_CHANNEL, map${pascal}Entries } from './${name}-event.mapper';

export const ${constant}_DESCRIPTOR: ChannelDescriptor = {
  id: ${constant}_CHANNEL,
  displayName: '${pascal}',
  docsUrl: 'https://example.com/TODO-${name}-docs',
  // TODO: declare what the channel really supports; anything false is degraded or refused locally.
  capabilities: { richTemplates: false, typingIndicators: false, readReceipts: false, actions: [] },
};

/** TODO: describe where the channel's webhook entries come from and how a reply goes out. */
export class ${pascal}Webhook implements ChannelWebhook {
  readonly objects = ['page']; // TODO: the webhook \`object\` values of this channel

  claims(_object: string, entry: WebhookEntry): boolean {
    return Array.isArray(entry.${camel}); // TODO: the part of an entry this channel understands
  }

  async map(_object: string, entries: readonly WebhookEntry[]): Promise<ChannelWebhookMapping> {
    return map${pascal}Entries(entries);
  }
}

@Injectable()
@Extends(CHANNELS)
export class ${pascal}Adapter implements ChannelAdapter {
  readonly channel = ${constant}_CHANNEL;
  readonly descriptor = ${constant}_DESCRIPTOR;
  readonly webhook = new ${pascal}Webhook();
  private readonly plainText = new PlainTextRenderer();

  async send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }> {
    const text = message.content.kind === 'text' ? message.content.text : this.plainText.render(message.content);
    // TODO: call the platform through a gateway in libs/graph-api (or the channel's own client) and return its message id.
    throw new DeliveryError('permanent', \`${name}: sending is not implemented yet (conversation \${target.conversationId}, \${text.length} characters)\`);
  }
}
`,
    [`${name}-event.mapper.ts`]: `import { ChannelWebhookMapping, InboundEvent, WebhookEntry } from '@app/core';

export const ${constant}_CHANNEL = '${name}';

/**
 * Maps this channel's webhook entries to channel-neutral events. Pure and total: anything goes in,
 * nothing throws; what cannot be understood is reported in \`skipped\`.
 * TODO: replace the example shape \`{ id, ${camel}: [{ from, mid, text, timestamp }] }\` with the real one.
 */
export function map${pascal}Entries(entries: readonly WebhookEntry[]): ChannelWebhookMapping {
  const result: ChannelWebhookMapping = { events: [], skipped: [] };
  for (const entry of entries) {
    const pageId = typeof entry.id === 'string' ? entry.id : undefined;
    if (!pageId || !Array.isArray(entry.${camel})) {
      result.skipped.push({ reason: 'entry without an id or items' });
      continue;
    }
    for (const item of entry.${camel} as unknown[]) {
      const i = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      if (typeof i.from !== 'string' || typeof i.mid !== 'string' || typeof i.timestamp !== 'number') {
        result.skipped.push({ reason: 'item without from, mid or timestamp', pageId });
        continue;
      }
      const event: InboundEvent = {
        channel: ${constant}_CHANNEL, kind: 'message', pageId, customerId: i.from, timestamp: i.timestamp, standby: false, userOriginated: true,
        dedupeKey: \`${name}:\${pageId}:\${i.mid}\`, mid: i.mid, text: typeof i.text === 'string' ? i.text : undefined, raw: item,
      };
      result.events.push(event);
    }
  }
  return result;
}
`,
    [`${name}-event.mapper.spec.ts`]: `import { map${pascal}Entries } from './${name}-event.mapper';

describe('map${pascal}Entries', () => {
  it('should map an item to a customer message with a stable dedupe key', () => {
    const { events, skipped } = map${pascal}Entries([{ id: 'p1', ${camel}: [{ from: 'u1', mid: 'm1', text: 'hi', timestamp: 1000 }] }]);
    expect(skipped).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ channel: '${name}', kind: 'message', pageId: 'p1', customerId: 'u1', mid: 'm1', text: 'hi', dedupeKey: '${name}:p1:m1' })]);
  });

  it('should skip malformed items and keep the rest', () => {
    const { events, skipped } = map${pascal}Entries([{ id: 'p1', ${camel}: [null, { from: 'u1', mid: 'm2', timestamp: 1 }] }, { ${camel}: [] }]);
    expect(events.map((e) => e.mid)).toEqual(['m2']);
    expect(skipped).toHaveLength(2);
  });
});
`,
    [`${name}.adapter.spec.ts`]: `import { ListedExtensions } from '@app/core';
import { ChannelRegistry } from '@app/conversations';
import { ${pascal}Adapter } from './${name}.adapter';

describe('${pascal}Adapter', () => {
  it('should be found as a channel and claim only its part of a webhook entry', () => {
    const adapter = new ${pascal}Adapter();
    const registry = new ChannelRegistry(new ListedExtensions([adapter]));
    expect(registry.adapter('${name}')).toBe(adapter);
    expect(adapter.webhook.claims('page', { id: 'p1', ${camel}: [] })).toBe(true);
    expect(adapter.webhook.claims('page', { id: 'p1', messaging: [] })).toBe(false);
  });
});
`,
  };
  fs.mkdirSync(dir, { recursive: true });
  const written = Object.entries(files).map(([file, text]) => {
    const target = path.join(dir, file);
    fs.writeFileSync(target, text);
    return target;
  });
  wireAlias(root, name, alias);
  return { files: written, alias, moduleClass };
}

function wireAlias(root, name, alias) {
  const source = `libs/channels/${name}/src`;
  const editJson = (file, edit) => {
    const p = path.join(root, file);
    const json = JSON.parse(fs.readFileSync(p, 'utf8'));
    edit(json);
    fs.writeFileSync(p, `${JSON.stringify(json, null, 2)}\n`);
  };
  editJson('tsconfig.json', (t) => {
    t.compilerOptions.paths[alias] = [source];
  });
  editJson('nest-cli.json', (n) => {
    n.projects[`channel-${name}`] = { type: 'library', root: `libs/channels/${name}`, entryFile: 'index', sourceRoot: source };
  });
  editJson('package.json', (p) => {
    for (const project of p.jest.projects) {
      // Nested under libs/channels, so the generic `@app/<name>` → libs/<name>/src rule does not apply: an explicit entry, first.
      project.moduleNameMapper = { [`^${alias.replace('/', '\\/')}(|/.*)$`]: `<rootDir>/${source}$1`, ...project.moduleNameMapper };
    }
  });
}

module.exports = { generateChannel };
if (require.main === module) process.exitCode = main(process.argv);

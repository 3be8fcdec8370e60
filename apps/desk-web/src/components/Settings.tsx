import { useEffect, useState } from 'preact/hooks';
import { type Agent, api, type CannedResponse, call, type ChannelDescriptor, type Page, type Schemas } from '../api/client';
import { timeOf } from '../lib/format';

type Routing = Schemas['RoutingSettingsView'];
type PageHealth = Schemas['PageStateView'];
type AuditEntry = Schemas['AuditEntryView'];

const POLICIES: [Routing['policy'], string][] = [
  ['DEFAULT', 'Bot first, agents when needed (DEFAULT)'],
  ['BOT_ONLY', 'Bot only (BOT_ONLY)'],
  ['AGENT_ONLY', 'Agents only (AGENT_ONLY)'],
];

interface Props {
  pages: Page[];
  channels: Record<string, ChannelDescriptor>;
  canManageAgents: boolean;
  notify(kind: 'success' | 'error', text: string): void;
}

/** The admin API's face for desk admins: Pages (routing, token), agents, canned responses, audit log. */
export function Settings({ pages, channels, canManageAgents, notify }: Props) {
  const [routing, setRouting] = useState<Record<string, Routing>>({});
  // What an admin has changed in a Page's routing form and not saved yet. The form shows the draft
  // over the stored settings, so a refresh arriving meanwhile (this screen reloads after every action)
  // cannot put the stored value back under the admin's choice before they press Save.
  const [drafts, setDrafts] = useState<Record<string, Partial<Routing>>>({});
  const edit = (pageId: string, change: Partial<Routing>) => setDrafts((d) => ({ ...d, [pageId]: { ...d[pageId], ...change } }));
  const [health, setHealth] = useState<Record<string, PageHealth>>({});
  const [agents, setAgents] = useState<Agent[]>([]);
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);

  const load = async () => {
    const entries = await Promise.all(
      pages.map(async (p) => await call(api.GET('/api/admin/pages/{pageId}/routing', { params: { path: { pageId: p.pageId } } }))),
    );
    setRouting(Object.fromEntries(entries.map((r) => [r.pageId, r])));
    const states = await call(api.GET('/api/admin/pages'));
    setHealth(Object.fromEntries(states.map((s) => [s.pageId, s])));
    if (canManageAgents) setAgents(await call(api.GET('/api/agents')));
    setCanned(await call(api.GET('/api/canned-responses')));
    setAudit((await call(api.GET('/api/admin/audit'))).slice(0, 30));
  };
  useEffect(() => {
    load().catch((e: Error) => notify('error', e.message));
  }, [pages.length]);

  const act = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
      notify('success', what);
      await load();
    } catch (e) {
      notify('error', e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section class="settings" aria-label="Settings">
      <h2>Pages</h2>
      {pages.map((p) => {
        const stored = routing[p.pageId];
        const r = stored && { ...stored, ...drafts[p.pageId] };
        const h = health[p.pageId];
        return (
          <fieldset key={p.pageId} class="page-settings" data-page={p.pageId}>
            <legend>
              {p.name} ({p.pageId}) · token {h?.tokenStatus ?? 'not checked yet'}
              {h?.blocked ? ' · blocked' : ''}
            </legend>
            {r && (
              <form
                class="row"
                onSubmit={(e) => {
                  e.preventDefault();
                  const draft = drafts[p.pageId] ?? {};
                  void act(`Routing of ${p.name} saved`, async () => {
                    await call(
                      api.PUT('/api/admin/pages/{pageId}/routing', {
                        // The server records the signed-in admin as the actor, whatever this header says.
                        params: { path: { pageId: p.pageId }, header: { 'x-admin-actor': 'desk' } },
                        body: {
                          policy: r.policy,
                          confidenceThreshold: r.threshold,
                          lowConfidenceTurns: r.lowConfidenceTurns,
                          // Only what the admin changed: an untouched default is not frozen into the Page's settings.
                          ...(draft.channelPolicies && { channelPolicies: draft.channelPolicies }),
                          ...(draft.businessHours !== undefined && { businessHours: (draft.businessHours ?? '').trim() }),
                        },
                      }),
                    );
                    setDrafts(({ [p.pageId]: _saved, ...rest }) => rest);
                  });
                }}
              >
                <label>
                  Routing policy for {p.name}
                  <select
                    name="policy"
                    value={r.policy}
                    onChange={(e) => edit(p.pageId, { policy: e.currentTarget.value as Routing['policy'] })}
                  >
                    {POLICIES.map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                  </select>
                </label>
                {Object.entries(r.channelPolicies).map(([channel, policy]) => {
                  const name = channels[channel]?.displayName ?? channel;
                  return (
                    <label key={channel}>
                      {name} policy for {p.name}
                      <select
                        name={`policy-${channel}`}
                        value={policy ?? ''}
                        onChange={(e) =>
                          edit(p.pageId, {
                            channelPolicies: {
                              ...r.channelPolicies,
                              [channel]: (e.currentTarget.value || null) as Routing['policy'] | null,
                            },
                          })
                        }
                      >
                        <option value="">Same as the Page</option>
                        {POLICIES.map(([value, label]) => (
                          <option key={value} value={value}>
                            {label}
                          </option>
                        ))}
                      </select>
                    </label>
                  );
                })}
                <label>
                  Business hours for {p.name}
                  <input
                    name="business-hours"
                    placeholder="always open — e.g. Mon-Fri 09:00-18:00 Europe/Berlin"
                    title='Days, hours and time zone, e.g. "Mon-Fri 09:00-18:00 Europe/Berlin"; empty: always open'
                    value={r.businessHours ?? ''}
                    onInput={(e) => edit(p.pageId, { businessHours: e.currentTarget.value })}
                  />
                  <small class="muted">
                    {r.businessHoursSource === 'page' ? 'set for this Page' : "the deployment's (BUSINESS_HOURS)"}
                  </small>
                </label>
                <label>
                  Confidence threshold
                  <input
                    name="threshold"
                    type="number"
                    min="0"
                    max="1"
                    step="0.05"
                    value={r.threshold}
                    onInput={(e) => edit(p.pageId, { threshold: Number(e.currentTarget.value) })}
                  />
                </label>
                <label>
                  Low-confidence turns
                  <input
                    name="turns"
                    type="number"
                    min="1"
                    max="100"
                    value={r.lowConfidenceTurns}
                    onInput={(e) => edit(p.pageId, { lowConfidenceTurns: Number(e.currentTarget.value) })}
                  />
                </label>
                <button type="submit" class="primary">
                  Save routing
                </button>
              </form>
            )}
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                const token = String(new FormData(e.currentTarget).get('token'));
                void act(`Token of ${p.name} replaced`, () =>
                  call(
                    api.PUT('/api/admin/pages/{pageId}/token', {
                      params: { path: { pageId: p.pageId } },
                      body: { accessToken: token },
                    }),
                  ),
                );
              }}
            >
              <label>
                New Page token
                <input name="token" type="password" autoComplete="off" minLength={10} required />
              </label>
              <button type="submit">Replace token</button>
            </form>
          </fieldset>
        );
      })}

      {canManageAgents && (
        <>
          <h2>Agents</h2>
          <table aria-label="Agent accounts">
            <thead>
              <tr>
                <th>Agent</th>
                <th>Role</th>
                <th>Max chats</th>
                <th>Enabled</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.id}>
                  <td>
                    {a.displayName} ({a.username})
                  </td>
                  <td>
                    <select
                      aria-label={`Role of ${a.username}`}
                      value={a.role}
                      onChange={(e) =>
                        void act(`Role of ${a.username} changed`, () =>
                          call(
                            api.PATCH('/api/agents/{id}', {
                              params: { path: { id: a.id } },
                              body: { role: e.currentTarget.value as Agent['role'] },
                            }),
                          ),
                        )
                      }
                    >
                      <option value="agent">agent</option>
                      <option value="supervisor">supervisor</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td>
                    <input
                      aria-label={`Max chats of ${a.username}`}
                      type="number"
                      min="1"
                      max="100"
                      value={a.maxChats ?? ''}
                      onChange={(e) =>
                        void act(`Limit of ${a.username} changed`, () =>
                          call(
                            api.PATCH('/api/agents/{id}', {
                              params: { path: { id: a.id } },
                              body: { maxChats: Number(e.currentTarget.value) },
                            }),
                          ),
                        )
                      }
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${a.username} enabled`}
                      checked={!a.disabled}
                      onChange={(e) =>
                        void act(`${a.username} ${e.currentTarget.checked ? 'enabled' : 'disabled'}`, () =>
                          call(
                            api.PATCH('/api/agents/{id}', { params: { path: { id: a.id } }, body: { disabled: !e.currentTarget.checked } }),
                          ),
                        )
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <form
            class="row"
            aria-label="New agent"
            onSubmit={(e) => {
              e.preventDefault();
              const f = new FormData(e.currentTarget);
              const form = e.currentTarget;
              void act(`Agent ${String(f.get('username'))} created`, async () => {
                await call(
                  api.POST('/api/agents', {
                    body: {
                      username: String(f.get('username')),
                      displayName: String(f.get('displayName')),
                      password: String(f.get('password')),
                      role: String(f.get('role')) as Agent['role'],
                    },
                  }),
                );
                form.reset();
              });
            }}
          >
            <input name="username" aria-label="New agent username" placeholder="username" required />
            <input name="displayName" aria-label="New agent name" placeholder="Display name" required />
            <input name="password" aria-label="New agent password" type="password" placeholder="Password (10+)" minLength={10} required />
            <select name="role" aria-label="New agent role">
              <option value="agent">agent</option>
              <option value="supervisor">supervisor</option>
              <option value="admin">admin</option>
            </select>
            <button type="submit">Create agent</button>
          </form>
        </>
      )}

      <h2>Canned responses</h2>
      <ul class="canned-list">
        {canned.map((c) => (
          <li key={c.id}>
            <strong>/{c.shortcut}</strong> {c.title} — {c.text}{' '}
            <button
              type="button"
              class="link"
              onClick={() =>
                void act(`/${c.shortcut} deleted`, () => call(api.DELETE('/api/canned-responses/{id}', { params: { path: { id: c.id } } })))
              }
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      <form
        class="row"
        aria-label="New canned response"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const form = e.currentTarget;
          void act(`/${String(f.get('shortcut'))} saved`, async () => {
            await call(
              api.POST('/api/canned-responses', {
                body: { shortcut: String(f.get('shortcut')), title: String(f.get('title')), text: String(f.get('text')) },
              }),
            );
            form.reset();
          });
        }}
      >
        <input name="shortcut" aria-label="Shortcut" placeholder="shortcut" required />
        <input name="title" aria-label="Title" placeholder="Title" required />
        <input name="text" aria-label="Text" placeholder="Text" required />
        <button type="submit">Add canned response</button>
      </form>

      <h2>Audit log</h2>
      <ol class="audit" aria-label="Audit log">
        {audit.map((a) => (
          <li key={a.id}>
            {timeOf(a.at)} · {a.actor} · {a.action} · {a.target}
          </li>
        ))}
      </ol>
    </section>
  );
}

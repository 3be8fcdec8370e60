import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { io, type Socket } from 'socket.io-client';
import {
  type Agent,
  type AgentSummary,
  api,
  ApiError,
  call,
  type CannedResponse,
  type ChannelDescriptor,
  type Conversation,
  type DirectoryEntry,
  type Episode,
  type Message,
  type Note,
  type Page,
  setSession,
  uploadAttachment,
} from './api/client';
import { ChannelBadge, ConversationList, nameOf } from './components/ConversationList';
import { Composer, type Outgoing } from './components/Composer';
import { ContactPanel } from './components/ContactPanel';
import { EpisodeDialog } from './components/EpisodeDialog';
import { Login } from './components/Login';
import { Settings } from './components/Settings';
import { Supervisor } from './components/Supervisor';
import { Toasts, useToasts } from './components/Toasts';
import { Transcript } from './components/Transcript';
import { draftStore } from './lib/drafts';
import { countdown, duration, timeOf } from './lib/format';
import { newChatAlert, notificationsWanted, setNotificationsWanted } from './lib/notify';
import { StatusBook } from './lib/message-status';

type Tab = 'mine' | 'queue' | 'all' | 'closed' | 'supervisor' | 'settings';
const SESSION_KEY = 'ccm.session';
const STATUS_LABEL: Record<Agent['status'], string> = { available: 'Online', busy: 'Busy', away: 'Offline' };

interface Session {
  token: string;
  agent: AgentSummary;
}

function loadSession(): Session | undefined {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

export function App() {
  const [session, setSessionState] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string>();
  const signOut = (why?: string) => {
    sessionStorage.removeItem(SESSION_KEY);
    setNotice(why);
    setSessionState(undefined);
  };
  if (!session)
    return (
      <Login
        notice={notice}
        onSignedIn={(token, agent) => {
          const s = { token, agent };
          sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
          setNotice(undefined);
          setSessionState(s);
        }}
      />
    );
  return <Desk key={session.token} session={session} onSignOut={signOut} />;
}

function Desk({ session, onSignOut }: { session: Session; onSignOut(why?: string): void }) {
  const me = session.agent;
  const supervisor = me.role === 'supervisor' || me.role === 'admin';
  const drafts = useMemo(() => draftStore(me.id), [me.id]);
  const { toasts, show, dismiss } = useToasts();
  const [self, setSelf] = useState<Agent>();
  const [conversations, setConversations] = useState<Record<string, Conversation>>({});
  const [closed, setClosed] = useState<Conversation[]>([]);
  const [search, setSearch] = useState('');
  const [results, setResults] = useState<Conversation[] | undefined>();
  const [messages, setMessages] = useState<Record<string, Message[]>>({});
  const [notes, setNotes] = useState<Record<string, Note[]>>({});
  const [previous, setPrevious] = useState<Episode[]>([]);
  /** An earlier episode opened from the contact panel: its transcript, read-only, over the live one. */
  const [episode, setEpisode] = useState<{ view: Episode; conversation: Conversation; messages: Message[] } | null>(null);
  const [selected, setSelected] = useState<string | undefined>(() => sessionStorage.getItem('ccm.selected') ?? undefined);
  const [tab, setTab] = useState<Tab>('mine');
  const [connection, setConnection] = useState<'connecting' | 'online' | 'reconnecting'>('connecting');
  const [channels, setChannels] = useState<Record<string, ChannelDescriptor>>({});
  const [pages, setPages] = useState<Page[]>([]);
  const [directory, setDirectory] = useState<DirectoryEntry[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [now, setNow] = useState(Date.now());
  const [wantNotify, setWantNotify] = useState(notificationsWanted());
  const [showContact, setShowContact] = useState(() => window.innerWidth >= 1100); // on a narrow window it overlays: opt in
  const socket = useRef<Socket | undefined>(undefined);
  const statuses = useRef(new StatusBook<Message['error']>()).current;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const typingAt = useRef(0);

  setSession(session.token, (why) => onSignOut(why));
  const fail = (e: unknown) => show('error', e instanceof Error ? e.message : String(e));
  const upsert = (c: Conversation) => setConversations((all) => ({ ...all, [c.id]: c }));
  // Every socket event about a conversation is numbered: an action's answer that the socket overtook is
  // not applied over it (see `act`).
  const liveSeq = useRef(0);
  const heardAt = useRef(new Map<string, number>()).current;
  const heard = (id: string) => heardAt.set(id, ++liveSeq.current);
  const drop = (id: string) =>
    setConversations((all) => {
      const { [id]: _gone, ...rest } = all;
      return rest;
    });

  const refresh = async () => {
    const [queued, active] = await Promise.all([
      call(api.GET('/api/conversations', { params: { query: { state: 'queued' } } })),
      call(api.GET('/api/conversations', { params: { query: { state: 'active' } } })),
    ]);
    setConversations(Object.fromEntries([...queued, ...active].map((c) => [c.id, c])));
    setSelf(await call(api.GET('/api/agents/me')));
    if (supervisor) setAgents(await call(api.GET('/api/agents')));
    setDirectory(await call(api.GET('/api/agents/directory')));
    setCanned(await call(api.GET('/api/canned-responses')));
  };

  const load = async (id: string) => {
    const [c, list, n, prev] = await Promise.all([
      call(api.GET('/api/conversations/{id}', { params: { path: { id } } })),
      call(api.GET('/api/conversations/{id}/messages', { params: { path: { id } } })),
      call(api.GET('/api/conversations/{id}/notes', { params: { path: { id } } })),
      call(api.GET('/api/conversations/{id}/previous', { params: { path: { id } } })),
    ]);
    upsert(c);
    setMessages((all) => ({ ...all, [id]: list.map((m) => statuses.reset(m)) }));
    setNotes((all) => ({ ...all, [id]: n }));
    setPrevious(prev);
    socket.current?.emit('open', { conversationId: id });
  };

  // Socket.IO: live events; on (re)connect everything is re-read, so nothing is missed while away.
  useEffect(() => {
    const s = io('/desk', { auth: { token: session.token }, transports: ['websocket', 'polling'] });
    socket.current = s;
    s.on('connect', () => {
      setConnection('online');
      refresh()
        .then(() => (selectedRef.current ? load(selectedRef.current) : undefined))
        .catch(fail);
    });
    s.on('disconnect', (reason: string) => {
      setConnection('reconnecting');
      // The server closed the socket (token refused or revoked): a REST call tells whether the session is over.
      if (reason === 'io server disconnect')
        call(api.GET('/api/agents/me')).then(
          () => s.connect(),
          () => undefined,
        );
    });
    s.on('connect_error', (e: Error) => {
      setConnection('reconnecting');
      // A token the server no longer accepts (expired, or a restart with a new secret): explain, do not loop.
      if (/token|auth/i.test(e.message))
        onSignOut('Your session has ended (expired or the server restarted). Sign in again — your drafts are kept.');
    });
    const changed = (c: Conversation) => {
      heard(c.id);
      upsert(c);
      if (c.id === selectedRef.current) void load(c.id).catch(() => undefined);
    };
    s.on('conversation.queued', (c: Conversation) => {
      changed(c);
      newChatAlert(`${nameOf(c)} is waiting`, wantNotifyRef.current);
    });
    s.on('conversation.assigned', (c: Conversation) => {
      heard(c.id);
      setConversations((all) => {
        if (c.assignedAgentId === me.id && all[c.id]?.assignedAgentId !== me.id && c.id !== selectedRef.current) {
          newChatAlert(`New chat: ${nameOf(c)}`, wantNotifyRef.current);
          show('info', `New chat assigned to you: ${nameOf(c)}`);
        }
        return { ...all, [c.id]: c };
      });
      if (c.id === selectedRef.current) void load(c.id).catch(() => undefined);
    });
    s.on('conversation.closed', changed);
    s.on('conversation.updated', (c: Conversation) => {
      heard(c.id);
      upsert(c);
    });
    s.on('conversation.removed', ({ conversationId }: { conversationId: string }) => {
      heard(conversationId);
      drop(conversationId);
      if (conversationId === selectedRef.current)
        show('info', 'That conversation is no longer yours (transferred or returned to the queue).');
    });
    s.on('message.created', ({ conversationId, message }: { conversationId: string; message: Message }) => {
      setMessages((all) =>
        all[conversationId] && !all[conversationId].some((m) => m.id === message.id)
          ? { ...all, [conversationId]: [...all[conversationId], statuses.latest(message)] }
          : all,
      );
      if (conversationId === selectedRef.current && message.direction === 'in') s.emit('open', { conversationId });
    });
    // The customer edited a message or reacted to one: replace it where it is.
    s.on('message.updated', ({ conversationId, message }: { conversationId: string; message: Message }) =>
      setMessages((all) =>
        all[conversationId]
          ? { ...all, [conversationId]: all[conversationId].map((m) => (m.id === message.id ? statuses.latest(message) : m)) }
          : all,
      ),
    );
    s.on('message.status', (p: { conversationId: string; messageId: number; status: Message['status']; error: Message['error'] }) => {
      statuses.note(p.messageId, p.status, p.error);
      setMessages((all) =>
        all[p.conversationId]
          ? { ...all, [p.conversationId]: all[p.conversationId].map((m) => (m.id === p.messageId ? statuses.latest(m) : m)) }
          : all,
      );
    });
    s.on('note.created', (n: Note) =>
      setNotes((all) =>
        all[n.conversationId] && !all[n.conversationId].some((x) => x.id === n.id)
          ? { ...all, [n.conversationId]: [...all[n.conversationId], n] }
          : all,
      ),
    );
    s.on('agent.status', (a: Agent) => {
      if (a.id === me.id) setSelf((prev) => ({ ...prev, ...a, activeChats: prev?.activeChats }));
      setAgents((all) => all.map((x) => (x.id === a.id ? { ...x, ...a, activeChats: x.activeChats } : x)));
    });
    void call(api.GET('/api/channels')).then((list) => setChannels(Object.fromEntries(list.map((c) => [c.id, c]))), fail);
    void call(api.GET('/api/pages')).then(setPages, fail);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(tick);
      s.close();
    };
  }, [session.token]);

  const wantNotifyRef = useRef(wantNotify);
  wantNotifyRef.current = wantNotify;

  useEffect(() => {
    setEpisode(null); // an earlier episode belongs to the conversation it was opened from
    if (selected) {
      sessionStorage.setItem('ccm.selected', selected);
      load(selected).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) setSelected(undefined);
        else fail(e);
      });
    } else sessionStorage.removeItem('ccm.selected');
  }, [selected]);

  useEffect(() => {
    if (tab !== 'closed') return;
    call(api.GET('/api/conversations', { params: { query: { state: 'closed' } } })).then(setClosed, fail);
  }, [tab]);

  useEffect(() => {
    if (!search.trim()) return setResults(undefined);
    const timer = setTimeout(() => {
      Promise.all(
        (['active', 'queued', 'closed'] as const).map((state) =>
          call(api.GET('/api/conversations', { params: { query: { state, q: search } } })),
        ),
      ).then((lists) => setResults(lists.flat()), fail);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);

  // Title badge: chats waiting for me (unread in mine + queue length).
  const all = Object.values(conversations);
  const mine = all.filter((c) => c.state === 'AGENT' && c.assignedAgentId === me.id);
  const queue = all.filter((c) => c.state === 'QUEUED').sort((a, b) => (a.queuedAt ?? 0) - (b.queuedAt ?? 0));
  const pending = mine.reduce((n, c) => n + (c.unread > 0 ? 1 : 0), 0) + queue.length;
  useEffect(() => {
    document.title = pending > 0 ? `(${pending}) ccm agent desk` : 'ccm agent desk';
  }, [pending]);

  const current = selected
    ? (conversations[selected] ?? closed.find((c) => c.id === selected) ?? results?.find((c) => c.id === selected))
    : undefined;
  const mineCurrent = current?.state === 'AGENT' && current.assignedAgentId === me.id;
  const byAgent = new Map(directory.map((a) => [a.id, a]));

  const act = async (what: string, work: () => Promise<Conversation>) => {
    const asked = liveSeq.current;
    try {
      const c = await work();
      // The answer is the row as the request left it. If the socket spoke of this conversation meanwhile,
      // either may be the newer (a change the action set off, e.g. the thread taken back after a
      // transfer, can be heard before the answer arrives; a relayed event can also be older): read the
      // row again, after both.
      if ((heardAt.get(c.id) ?? 0) <= asked) upsert(c);
      else void call(api.GET('/api/conversations/{id}', { params: { path: { id: c.id } } })).then(upsert, () => undefined);
      show('success', what);
      return c;
    } catch (e) {
      fail(e);
      if (selected) await load(selected).catch(() => undefined); // stale view: show what is true now
    }
  };

  const send = async (out: Outgoing) => {
    const id = selected!;
    if ('note' in out) {
      const n = await call(api.POST('/api/conversations/{id}/notes', { params: { path: { id } }, body: { text: out.note } }));
      setNotes((all) => ({ ...all, [id]: [...(all[id] ?? []).filter((x) => x.id !== n.id), n] }));
      return;
    }
    const m = await call(api.POST('/api/conversations/{id}/messages', { params: { path: { id } }, body: out as never }));
    setMessages((all) => ({ ...all, [id]: [...(all[id] ?? []).filter((x) => x.id !== m.id), statuses.latest(m)] }));
  };

  /**
   * A file from disk: stored in ccm, then sent by ccm's link (Meta fetches it, or — without a public
   * address — ccm uploads the bytes to Messenger itself), uploaded once per Page and sent by id. A
   * refusal (wrong type, over Meta's limits, over the route's 25 MB: 413) is a toast with ccm's reason.
   */
  const attach = async (file: File) => {
    try {
      const a = await uploadAttachment(selected!, file);
      await send({ message: { kind: 'media', mediaType: a.mediaType, url: a.url, reusable: true } });
    } catch (failure) {
      show('error', `${file.name} was not sent: ${failure instanceof Error ? failure.message : String(failure)}`, 12_000);
    }
  };

  /** An earlier episode opens read-only over the conversation; one still going on (another channel) opens as itself. */
  const openEpisode = (e: Episode, conversation: Conversation) => {
    if (e.episodeId === null) {
      setSelected(e.conversationId);
      return;
    }
    call(
      api.GET('/api/conversations/{id}/previous/{episodeId}/messages', {
        params: { path: { id: e.conversationId, episodeId: e.episodeId } },
      }),
    )
      .then((list) => setEpisode({ view: e, conversation, messages: list }))
      .catch(fail);
  };

  const retry = (m: Message) => {
    const content = m.content as unknown;
    const body = content && typeof content === 'object' && 'kind' in content ? { message: content } : { text: m.text ?? '' };
    send(body as Outgoing).then(() => show('success', 'Sent again'), fail);
  };

  const setStatus = (status: Agent['status']) =>
    call(api.PUT('/api/agents/me/status', { body: { status } }))
      .then((a) => {
        setSelf(a);
        if (status === 'away' && (a.activeChats ?? 0) > 0)
          show('info', `You are offline: your ${a.activeChats} chats go back to the queue when the countdown ends.`);
      })
      .catch(fail);

  /** Opens a conversation (leaving the overview or settings for the conversation view). */
  const choose = (id: string) => {
    setSelected(id);
    if (tab === 'supervisor' || tab === 'settings') setTab(supervisor ? 'all' : 'mine');
  };

  const graceLeft = self?.graceEndsAt && (self.activeChats ?? 0) > 0 ? self.graceEndsAt - now : undefined;
  const lists: Record<'mine' | 'queue' | 'all' | 'closed', Conversation[]> = {
    mine: mine.filter((c) => !c.snoozedUntil).concat(mine.filter((c) => c.snoozedUntil)),
    queue,
    all: all.filter((c) => c.state === 'AGENT'),
    closed,
  };
  const listTab: 'mine' | 'queue' | 'all' | 'closed' = tab === 'supervisor' || tab === 'settings' ? 'mine' : tab;

  // Keyboard: Alt+↑/↓ previous/next conversation in the list, Ctrl/⌘+K search, Alt+1…4 list tabs.
  const shown = results ?? lists[listTab];
  const keys = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keys.current = (e: KeyboardEvent) => {
    if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp') && shown.length > 0) {
      e.preventDefault();
      const at = shown.findIndex((c) => c.id === selected);
      const next = e.key === 'ArrowDown' ? Math.min(shown.length - 1, at + 1) : Math.max(0, at - 1);
      choose(shown[next < 0 ? 0 : next].id);
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      document.querySelector<HTMLInputElement>('.search')?.focus();
    } else if (e.altKey && ['1', '2', '3', '4'].includes(e.key)) {
      e.preventDefault();
      setTab((['mine', 'queue', supervisor ? 'all' : 'closed', 'closed'] as Tab[])[Number(e.key) - 1]);
    }
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => keys.current(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  const reply = current?.reply;
  // Why the viewer cannot write here (undefined: the composer is shown; '': nothing to say, e.g. a queued chat).
  const composerBlock: string | undefined = !current
    ? undefined
    : current.state !== 'AGENT'
      ? ''
      : !mineCurrent && !supervisor
        ? ''
        : !mineCurrent
          ? 'Read-only: this chat belongs to another agent. Take it over to reply.'
          : current.threadOwner
            ? `${appName(current.threadOwner)} controls this Messenger thread now (Conversation Routing): Messenger refuses ccm's replies until ccm takes the thread back.`
            : reply?.state === 'closed'
              ? (reply.reason ?? 'The reply window has closed: no reply until the customer writes again.')
              : undefined;

  return (
    <div class={`desk ${showContact ? 'with-contact' : ''}`}>
      <header class="topbar">
        <strong class="brand">ccm</strong>
        <span class="me">
          {me.displayName}
          {me.role !== 'agent' ? ` (${me.role})` : ''}
        </span>
        <label class="status-select">
          <span class="sr-only">My status</span>
          <select
            aria-label="My status"
            value={self?.status ?? 'away'}
            onChange={(e) => void setStatus(e.currentTarget.value as Agent['status'])}
          >
            <option value="available">🟢 Online</option>
            <option value="busy">🟠 Busy (no new chats)</option>
            <option value="away">⚪ Offline</option>
          </select>
        </label>
        {graceLeft !== undefined && (
          <span class="grace" role="timer" aria-live="polite">
            Chats return to the queue in {countdown(graceLeft)}
          </span>
        )}
        <span class="spacer" />
        <label class="notify">
          <input
            type="checkbox"
            checked={wantNotify}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              setWantNotify(on);
              setNotificationsWanted(on);
            }}
          />{' '}
          Notify me
        </label>
        <span class={`connection ${connection}`} role="status" aria-label="Connection">
          {connection === 'online' ? 'live' : connection === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>

      <nav class="sidebar" aria-label="Conversations">
        <input
          class="search"
          type="search"
          aria-label="Search conversations"
          placeholder="Search name, PSID or text"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        <div class="tabs" role="tablist">
          {(
            [
              ['mine', `Mine (${mine.length})`],
              ['queue', `Queue (${queue.length})`],
              ...(supervisor ? [['all', 'All'] as const] : []),
              ['closed', 'Closed'],
              ...(supervisor ? [['supervisor', 'Overview'] as const] : []),
              ...(me.role === 'admin' ? [['settings', 'Settings'] as const] : []),
            ] as [Tab, string][]
          ).map(([t, label]) => (
            <button type="button" role="tab" key={t} aria-selected={tab === t} class={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
              {label}
            </button>
          ))}
        </div>
        {results ? (
          <ConversationList
            id="results"
            label="Search results"
            items={results}
            selected={selected}
            now={now}
            channels={channels}
            empty="No match"
            onSelect={choose}
          />
        ) : (
          <ConversationList
            id={listTab}
            label={listTab}
            items={lists[listTab]}
            selected={selected}
            now={now}
            channels={channels}
            empty={listTab === 'queue' ? 'Nobody waiting' : listTab === 'mine' ? 'No chats yet' : 'Nothing here'}
            onSelect={choose}
          />
        )}
      </nav>

      <main class="main">
        {tab === 'supervisor' && supervisor ? (
          <Supervisor
            agents={agents}
            conversations={all}
            now={now}
            onOpen={(id) => {
              setSelected(id);
              setTab('all');
            }}
            onReassign={(id, agentId) =>
              void act(`Reassigned to ${agents.find((a) => a.id === agentId)?.displayName ?? agentId}`, () =>
                call(api.POST('/api/conversations/{id}/transfer', { params: { path: { id } }, body: { toAgentId: agentId } })),
              ).then(() => call(api.GET('/api/agents')).then(setAgents))
            }
          />
        ) : tab === 'settings' && me.role === 'admin' ? (
          <Settings pages={pages} channels={channels} canManageAgents notify={show} />
        ) : !current ? (
          <p class="empty-main">Pick a conversation.</p>
        ) : (
          <section class="conversation" aria-label={`Conversation with ${nameOf(current)}`}>
            <div class="conv-head">
              <div class="conv-title">
                <strong class="conv-name">{nameOf(current)}</strong>
                <span class="muted">
                  <ChannelBadge channel={current.channel} channels={channels} />{' '}
                  {current.state === 'QUEUED'
                    ? `waiting ${duration(now - (current.queuedAt ?? now))}`
                    : current.state === 'AGENT'
                      ? mineCurrent
                        ? 'with you'
                        : 'with an agent'
                      : current.state === 'BOT'
                        ? 'with the bot'
                        : 'closed'}
                  {current.state === 'AGENT' &&
                    !mineCurrent &&
                    ` · ${byAgent.get(current.assignedAgentId ?? '')?.displayName ?? 'another agent'}`}
                </span>
                {reply && reply.state !== 'none' && (
                  <span class={`window ${reply.state}`} data-window={reply.state}>
                    {reply.state === 'open'
                      ? `Reply window open · ${duration((reply.until ?? now) - now)} left`
                      : reply.state === 'human_agent'
                        ? `After 24 h: agent replies only (HUMAN_AGENT) until ${timeOf(reply.until ?? now, now)}`
                        : 'Reply window closed'}
                  </span>
                )}
              </div>
              <div class="conv-actions">
                {current.state === 'QUEUED' && (
                  <button
                    type="button"
                    class="primary"
                    onClick={() =>
                      void act('Accepted', () => call(api.POST('/api/conversations/{id}/accept', { params: { path: { id: current.id } } })))
                    }
                  >
                    Accept
                  </button>
                )}
                {current.state === 'AGENT' && !mineCurrent && supervisor && (
                  <button
                    type="button"
                    onClick={() =>
                      void act('You took over', () =>
                        call(
                          api.POST('/api/conversations/{id}/transfer', {
                            params: { path: { id: current.id } },
                            body: { toAgentId: me.id },
                          }),
                        ),
                      )
                    }
                  >
                    Take over
                  </button>
                )}
                {current.state === 'AGENT' && (mineCurrent || supervisor) && (
                  <>
                    <button
                      type="button"
                      onClick={() =>
                        void act('Back in the queue', () =>
                          call(api.POST('/api/conversations/{id}/transfer', { params: { path: { id: current.id } }, body: {} })),
                        )
                      }
                    >
                      Back to queue
                    </button>
                    <label>
                      <span class="sr-only">Transfer to</span>
                      <select
                        aria-label="Transfer to"
                        value=""
                        onChange={(e) => {
                          const to = e.currentTarget.value;
                          if (to === 'bot')
                            void act('Given back to the bot', () =>
                              call(
                                api.POST('/api/conversations/{id}/close', {
                                  params: { path: { id: current.id } },
                                  body: { returnToBot: true },
                                }),
                              ),
                            );
                          else if (to)
                            void act(`Transferred to ${byAgent.get(to)?.displayName ?? to}`, () =>
                              call(
                                api.POST('/api/conversations/{id}/transfer', {
                                  params: { path: { id: current.id } },
                                  body: { toAgentId: to },
                                }),
                              ),
                            );
                        }}
                      >
                        <option value="">Transfer…</option>
                        <option value="bot">🤖 The bot</option>
                        {directory
                          .filter((a) => a.id !== current.assignedAgentId)
                          .map((a) => (
                            <option key={a.id} value={a.id}>
                              {a.displayName} · {a.online ? STATUS_LABEL[a.status] : 'offline'}
                            </option>
                          ))}
                      </select>
                    </label>
                    {mineCurrent && (
                      <select
                        aria-label="Snooze"
                        value=""
                        onChange={(e) => {
                          const minutes = Number(e.currentTarget.value);
                          void act(minutes ? `Snoozed for ${duration(minutes * 60000)}` : 'Unsnoozed', () =>
                            call(
                              api.POST('/api/conversations/{id}/snooze', {
                                params: { path: { id: current.id } },
                                body: { until: minutes ? Date.now() + minutes * 60000 : null },
                              }),
                            ),
                          );
                        }}
                      >
                        <option value="">Snooze…</option>
                        <option value="30">30 min</option>
                        <option value="120">2 h</option>
                        <option value="1440">1 day</option>
                        {current.snoozedUntil && <option value="0">Unsnooze</option>}
                      </select>
                    )}
                    <button
                      type="button"
                      onClick={() =>
                        void act('Closed', () =>
                          call(api.POST('/api/conversations/{id}/close', { params: { path: { id: current.id } }, body: {} })),
                        )
                      }
                    >
                      Close
                    </button>
                    <button
                      type="button"
                      title={reply?.state === 'open' ? 'Close and ask the customer for a 1-5 rating' : 'Only inside the 24-hour window'}
                      disabled={reply?.state !== 'open'}
                      onClick={() =>
                        void act('Closed; rating asked', () =>
                          call(api.POST('/api/conversations/{id}/close', { params: { path: { id: current.id } }, body: { csat: true } })),
                        )
                      }
                    >
                      Close + rating
                    </button>
                  </>
                )}
                {current.linkedConversationId && (
                  <button type="button" onClick={() => setSelected(current.linkedConversationId ?? undefined)}>
                    Open linked conversation
                  </button>
                )}
                <button type="button" aria-pressed={showContact} aria-label="Contact panel" onClick={() => setShowContact(!showContact)}>
                  ⓘ
                </button>
              </div>
            </div>
            <ChannelActions
              conversation={current}
              channels={channels}
              enabled={mineCurrent || (supervisor && current.state === 'AGENT')}
              onDone={() => void load(current.id)}
              fail={fail}
            />
            <Transcript
              conversation={current}
              messages={messages[current.id] ?? []}
              notes={notes[current.id] ?? []}
              endings={previous.filter((e) => e.conversationId === current.id)}
              onRetry={retry}
            />
            {composerBlock === undefined ? (
              <Composer
                key={current.id}
                conversationId={current.id}
                drafts={drafts}
                canned={canned}
                onSend={send}
                onAttach={attach}
                onTyping={() => {
                  if (Date.now() - typingAt.current > 3000) {
                    typingAt.current = Date.now();
                    socket.current?.emit('typing', { conversationId: current.id, on: true });
                  }
                }}
              />
            ) : composerBlock ? (
              <div class="composer disabled" role="status" aria-label="Replying is not possible">
                <span>{composerBlock}</span>
                {mineCurrent && current.threadOwner && (
                  <button
                    type="button"
                    onClick={() =>
                      // Re-assigning the chat to its owner takes the thread back (take_thread_control) before anything is sent.
                      void act('Thread taken back', () =>
                        call(
                          api.POST('/api/conversations/{id}/transfer', {
                            params: { path: { id: current.id } },
                            body: { toAgentId: me.id },
                          }),
                        ),
                      )
                    }
                  >
                    Take the thread back
                  </button>
                )}
              </div>
            ) : null}
          </section>
        )}
      </main>
      {current && showContact && tab !== 'supervisor' && tab !== 'settings' && (
        <ContactPanel
          conversation={current}
          pageName={pages.find((p) => p.pageId === current.pageId)?.name}
          previous={previous}
          ownerName={current.assignedAgentId ? (byAgent.get(current.assignedAgentId)?.displayName ?? current.assignedAgentId) : undefined}
          onOpen={(e) => openEpisode(e, current)}
        />
      )}
      {episode && (
        <EpisodeDialog
          episode={episode.view}
          conversation={episode.conversation}
          messages={episode.messages}
          onClose={() => setEpisode(null)}
        />
      )}
      <Toasts toasts={toasts} dismiss={dismiss} />
    </div>
  );
}

/** Who owns a Messenger thread that is not ccm's (Conversation Routing app ids, fact sheet §10). */
function appName(appId: string): string {
  if (appId === '263902037430900') return 'The Page inbox (someone answered in Meta Business Suite)';
  return appId === 'unknown' ? 'Another app' : `Another app (${appId})`;
}

const ACTION_LABELS: Record<string, string> = {
  public_reply: 'Reply publicly',
  private_reply: 'Reply privately',
  like: 'Like',
  unlike: 'Unlike',
  hide: 'Hide',
  unhide: 'Unhide',
  delete: 'Delete comment',
};

/** What the conversation's channel can do beyond messages (e.g. comments), from its descriptor. */
function ChannelActions({
  conversation,
  channels,
  enabled,
  onDone,
  fail,
}: {
  conversation: Conversation;
  channels: Record<string, ChannelDescriptor>;
  enabled: boolean;
  onDone(): void;
  fail(e: unknown): void;
}) {
  const [status, setStatus] = useState('');
  const [asking, setAsking] = useState<string>();
  const [text, setText] = useState('');
  useEffect(() => setStatus(''), [conversation.id]);
  const actions = ((channels[conversation.channel]?.capabilities as { actions?: string[] } | undefined)?.actions ?? []) as string[];
  if (!enabled || actions.length === 0) return null;
  const run = async (action: string, withText?: string) => {
    try {
      const r = await call(
        api.POST('/api/conversations/{id}/channel-actions', {
          params: { path: { id: conversation.id } },
          body: { action: action as never, ...(withText !== undefined && { text: withText }) },
        }),
      );
      setStatus(`Done: ${ACTION_LABELS[action] ?? action}${r.linkedConversationId ? ' (continues on Messenger)' : ''}`);
      onDone();
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
      if (!(e instanceof ApiError)) fail(e);
    }
  };
  return (
    <div class="channel-actions" id="channel-actions" aria-label="Channel actions">
      {actions.map((a) => (
        <button
          type="button"
          key={a}
          data-action={a}
          onClick={() => {
            if (a === 'public_reply' || a === 'private_reply') setAsking(a);
            else void run(a);
          }}
        >
          {ACTION_LABELS[a] ?? a}
        </button>
      ))}
      {asking && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const a = asking;
            setAsking(undefined);
            void run(a, text).then(() => setText(''));
          }}
        >
          <input
            aria-label={asking === 'private_reply' ? 'Private reply text' : 'Public reply text'}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            required
          />
          <button type="submit" class="primary">
            Send {ACTION_LABELS[asking]?.toLowerCase()}
          </button>
        </form>
      )}
      <span id="action-status" class="muted" role="status">
        {status}
      </span>
    </div>
  );
}

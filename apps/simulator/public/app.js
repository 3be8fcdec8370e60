// The customer's side of Messenger. No framework, no inline code (the page's CSP forbids it): state comes
// from GET /sim/api/state and the event stream /sim/api/events; every action is one POST to /sim/api.
'use strict';

const state = {
  page: null,
  customers: [],
  current: null,
  items: new Map(),
  typing: false,
  comments: [],
  profile: {},
  instagram: null,
  routing: null,
  origins: [],
};
const $ = (id) => document.getElementById(id);

/** The simulator's own links (pictures, files on its CDN) load from where this page is served, whatever origin they name. */
function own(url) {
  for (const origin of state.origins || []) if (typeof url === 'string' && url.startsWith(`${origin}/`)) return url.slice(origin.length);
  return url;
}
const REACTIONS = ['❤️', '😆', '😮', '😢', '😠', '👍'];

/** createElement with attributes, properties and children; text is always set as text (never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

async function api(method, path, body) {
  const response = await fetch(`/sim/api${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// ---- customers ----

function renderCustomers() {
  const list = $('customer-list');
  list.replaceChildren(
    ...state.customers.map((c) =>
      el(
        'li',
        {},
        el(
          'button',
          { type: 'button', 'aria-current': c.psid === state.current ? 'true' : 'false', onclick: () => selectCustomer(c.psid) },
          el('img', { class: 'avatar', src: own(c.pictureUrl), alt: '' }),
          el(
            'span',
            {},
            el('span', { text: c.name }),
            c.channel === 'instagram' ? el('span', { class: 'badge', text: 'Instagram' }) : null,
            el('br'),
            el('span', { class: 'hint', text: `${c.channel === 'instagram' ? `@${c.username} · ` : ''}${c.locale} · ${c.psid}` }),
          ),
        ),
      ),
    ),
  );
}

function currentCustomer() {
  return state.customers.find((c) => c.psid === state.current);
}

async function selectCustomer(psid) {
  state.current = psid;
  const customer = state.customers.find((c) => c.psid === psid);
  $('chat-with').textContent = customer ? `You are ${customer.name}` : psid;
  const instagram = customer?.channel === 'instagram';
  $('channel-badge').hidden = !instagram;
  $('channel-badge').textContent = instagram ? 'Instagram' : '';
  $('channel-limits').hidden = !instagram;
  $('channel-limits').textContent = instagram && state.instagram ? state.instagram.limits : '';
  renderCustomers();
  const { items, typing, routing } = await api('GET', `/customers/${encodeURIComponent(psid)}/thread`);
  state.items = new Map(items.map((i) => [i.seq, i]));
  state.typing = typing;
  state.routing = routing;
  renderThread();
  renderRouting();
  markReadSoon();
  $('text').focus();
}

$('new-customer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const customer = await api('POST', '/customers', { name: form.name.value, locale: form.locale.value, channel: form.channel.value });
  form.name.value = '';
  if (!state.customers.some((c) => c.psid === customer.psid)) state.customers.push(customer);
  await selectCustomer(customer.psid);
});

// ---- Messenger Profile: greeting, Get Started, ice breakers, persistent menu (Messenger customers) ----

function forLocale(list, locale) {
  if (!Array.isArray(list)) return undefined;
  return list.find((e) => e.locale === locale) || list.find((e) => e.locale === 'default') || list[0];
}

function renderProfile() {
  const customer = currentCustomer();
  const profile = customer && customer.channel !== 'instagram' ? state.profile || {} : {};
  const empty = state.items.size === 0;
  const greeting = forLocale(profile.greeting, customer?.locale);
  const first = (customer?.name || '').split(/\s+/)[0];
  $('greeting').textContent = greeting
    ? greeting.text
        .replaceAll('{{user_first_name}}', first)
        .replaceAll('{{user_full_name}}', customer?.name || '')
        .replaceAll('{{user_last_name}}', (customer?.name || '').split(/\s+/).slice(1).join(' '))
    : '';
  // Ice breakers: the localized format ([{locale, call_to_actions}]) or the legacy one ([{question, payload}]).
  const breakers = Array.isArray(profile.ice_breakers)
    ? profile.ice_breakers[0]?.call_to_actions
      ? forLocale(profile.ice_breakers, customer?.locale)?.call_to_actions || []
      : profile.ice_breakers
    : [];
  $('ice-breakers').replaceChildren(
    ...breakers.map((b) => el('button', { type: 'button', onclick: () => postback(b.question, b.payload) }, b.question)),
  );
  const getStarted = profile.get_started?.payload;
  $('get-started').hidden = !(empty && getStarted);
  $('welcome').hidden = !empty || !(greeting || breakers.length || getStarted);
  const menu = forLocale(profile.persistent_menu, customer?.locale);
  $('menu-button').hidden = !menu;
  $('menu').replaceChildren(
    ...(menu?.call_to_actions || []).map((item) =>
      item.type === 'web_url'
        ? el('button', { type: 'button', onclick: () => window.open(item.url, '_blank', 'noopener') }, `${item.title} ↗`)
        : el('button', { type: 'button', onclick: () => postback(item.title, item.payload).then(closeMenu) }, item.title),
    ),
  );
  if (!menu) closeMenu();
}

function closeMenu() {
  $('menu').hidden = true;
  $('menu-button').setAttribute('aria-expanded', 'false');
}

$('menu-button').addEventListener('click', () => {
  const open = $('menu').hidden;
  $('menu').hidden = !open;
  $('menu-button').setAttribute('aria-expanded', String(open));
});
$('get-started').addEventListener('click', () => postback('Get Started', state.profile.get_started.payload));

// ---- Conversation Routing: who owns the thread; what the Page inbox does ----

const OWNER_NAMES = { ccm: 'ccm (this app)', page_inbox: 'the Page inbox', idle: 'nobody (idle)' };
function renderRouting() {
  const customer = currentCustomer();
  const messenger = customer && customer.channel !== 'instagram';
  for (const id of ['inbox-take', 'inbox-request', 'inbox-pass']) $(id).disabled = !messenger;
  if (!messenger) {
    $('routing-owner').textContent = 'Pick a Messenger customer';
    return;
  }
  const owner = state.routing?.owner || 'idle';
  const until = state.routing?.expiresAt ? ` until ${new Date(state.routing.expiresAt).toLocaleString()}` : '';
  $('routing-owner').textContent = `Thread owner: ${OWNER_NAMES[owner] || `app ${owner}`}${until}`;
}
for (const action of ['take', 'request', 'pass'])
  $(`inbox-${action}`).addEventListener('click', async () => {
    if (!state.current) return;
    state.routing = await api('POST', `/customers/${encodeURIComponent(state.current)}/inbox`, { action });
    renderRouting();
  });

// ---- the conversation ----

function buttonsOf(buttons) {
  return (buttons || []).map((b) => {
    if (b.type === 'web_url')
      return el('button', { type: 'button', onclick: () => window.open(b.url, '_blank', 'noopener') }, `${b.title} ↗`);
    if (b.type === 'phone_number') return el('button', { type: 'button', title: b.payload }, `📞 ${b.title}`);
    return el('button', { type: 'button', onclick: () => postback(b.title, b.payload) }, b.title);
  });
}

const brokenImages = new Set();
function image(url, alt) {
  // Offline, an https image of the bot cannot load: show a neutral placeholder instead of a broken icon.
  const placeholder = () =>
    el('div', { class: 'image-placeholder', role: 'img', 'aria-label': alt || 'image', text: `🖼 ${alt || 'image'}` });
  if (brokenImages.has(url)) return placeholder();
  const img = el('img', { src: own(url), alt: alt || 'image', loading: 'lazy' });
  img.addEventListener(
    'error',
    () => {
      brokenImages.add(url);
      img.replaceWith(placeholder());
    },
    { once: true },
  );
  return img;
}

function attachmentView(attachment) {
  const payload = attachment.payload || {};
  if (attachment.type === 'template') {
    if (payload.template_type === 'button')
      return el(
        'div',
        { class: 'template', role: 'group', 'aria-label': 'Buttons' },
        el('p', { text: payload.text }),
        buttonsOf(payload.buttons),
      );
    if (payload.template_type === 'generic')
      return el(
        'div',
        { class: 'carousel', role: 'list', 'aria-label': 'Carousel' },
        (payload.elements || []).map((card) =>
          el(
            'div',
            { class: 'card', role: 'listitem', 'aria-label': card.title },
            card.image_url ? image(card.image_url, card.title) : null,
            el('div', { class: 'title', text: card.title }),
            card.subtitle ? el('div', { class: 'subtitle', text: card.subtitle }) : null,
            buttonsOf(card.buttons),
          ),
        ),
      );
    return el('div', { class: 'bubble', text: `[${payload.template_type || 'template'}]` });
  }
  const url = payload.url;
  if (attachment.type === 'image' && url) return el('div', { class: 'bubble' }, image(url, 'image'));
  if (attachment.type === 'video' && url) return el('div', { class: 'bubble' }, el('video', { src: own(url), controls: true }));
  if (attachment.type === 'audio' && url) return el('div', { class: 'bubble' }, el('audio', { src: own(url), controls: true }));
  if (url)
    return el('div', { class: 'bubble' }, el('a', { href: own(url), target: '_blank', rel: 'noopener', text: `📄 ${fileName(url)}` }));
  return el('div', { class: 'bubble', text: `[${attachment.type}${payload.attachment_id ? ` ${payload.attachment_id}` : ''}]` });
}

/** What Messenger shows for a file: its name (the link's last path segment). */
function fileName(url) {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop()) || 'file';
  } catch {
    return 'file';
  }
}

function statusText(item) {
  if (item.status === 'read') return 'Seen';
  if (item.status === 'delivered') return 'Delivered';
  return 'Sent';
}

function itemView(item) {
  const parts = [];
  const message = item.message || {};
  if (item.privateReplyTo) parts.push(el('div', { class: 'private-reply', text: 'Private reply to your comment' }));
  if (item.postback) parts.push(el('div', { class: 'bubble postback', text: item.postback.title }));
  if (message.text) parts.push(el('div', { class: 'bubble', text: message.text }));
  if (message.attachment) parts.push(attachmentView(message.attachment));
  for (const attachment of message.attachments || []) parts.push(attachmentView(attachment));
  if (item.reaction)
    parts.push(el('span', { class: 'reaction', 'aria-label': `Reaction ${item.reaction.emoji}`, text: item.reaction.emoji }));
  if (item.from === 'page') {
    parts.push(
      el(
        'div',
        { class: 'react-bar', role: 'group', 'aria-label': 'React' },
        REACTIONS.map((emoji) =>
          el('button', {
            type: 'button',
            'aria-label': `React ${emoji}`,
            text: emoji,
            onclick: () =>
              api('POST', `/customers/${encodeURIComponent(state.current)}/reactions`, {
                mid: item.mid,
                emoji: item.reaction?.emoji === emoji ? '' : emoji,
              }),
          }),
        ),
      ),
    );
  }
  return el('li', { class: `msg ${item.from}`, 'data-mid': item.mid, 'data-seq': item.seq }, parts);
}

function renderThread() {
  const items = [...state.items.values()].sort((a, b) => a.seq - b.seq);
  const thread = $('thread');
  const nodes = items.map(itemView);
  // Receipts like Messenger: under the customer's latest message only.
  const lastCustomer = items.map((i) => i.from).lastIndexOf('customer');
  if (lastCustomer >= 0) {
    const item = items[lastCustomer];
    nodes[lastCustomer].append(el('span', { class: 'status', 'aria-label': `Status: ${statusText(item)}`, text: statusText(item) }));
  }
  thread.replaceChildren(...nodes);
  thread.scrollTop = thread.scrollHeight;
  $('typing').hidden = !state.typing;
  renderProfile();
  // Quick replies belong to the latest message and only while it is the latest.
  const last = items.at(-1);
  const quickReplies = last && last.from === 'page' ? last.message?.quick_replies || [] : [];
  $('quick-replies').replaceChildren(
    ...quickReplies.map((q) =>
      el(
        'button',
        { type: 'button', onclick: () => quickReply(q) },
        q.image_url ? el('img', { src: q.image_url, alt: '', class: 'avatar' }) : null,
        q.title || q.content_type,
      ),
    ),
  );
}

let readTimer;
function markReadSoon() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (!state.current || document.visibilityState !== 'visible') return;
    const unread = [...state.items.values()].some((i) => i.from === 'page' && i.status !== 'read');
    if (unread) api('POST', `/customers/${encodeURIComponent(state.current)}/read`).catch(() => undefined);
  }, 400);
}
document.addEventListener('visibilitychange', markReadSoon);

async function send(body) {
  if (!state.current) return alert('Pick or create a customer first');
  const fromAd = $('from-ad').checked;
  const ageHours = Number($('age').value);
  $('from-ad').checked = false;
  $('age').value = '0';
  const item = await api('POST', `/customers/${encodeURIComponent(state.current)}/messages`, { ...body, fromAd, ageHours });
  state.items.set(item.seq, item);
  renderThread();
}

function quickReply(q) {
  return send({ text: q.title || q.payload, quickReplyPayload: q.payload });
}

async function postback(title, payload) {
  if (!state.current) return;
  const item = await api('POST', `/customers/${encodeURIComponent(state.current)}/postbacks`, { title, payload });
  state.items.set(item.seq, item);
  renderThread();
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('text').value.trim();
  if (!text) return;
  $('text').value = '';
  await send({ text });
});

$('file').addEventListener('change', async () => {
  const file = $('file').files[0];
  if (!file || !state.current) return;
  const dataUrl = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = reject;
    reader.readAsDataURL(file);
  });
  const upload = await api('POST', `/customers/${encodeURIComponent(state.current)}/uploads`, { dataUrl, name: file.name });
  $('file').value = '';
  await send({ attachments: [upload] });
});

// ---- the Page post and its comments ----

function renderComments() {
  const top = state.comments.filter((c) => !state.comments.some((p) => p.id === c.parentId));
  const rows = [];
  for (const comment of top) {
    rows.push(commentView(comment, false));
    for (const reply of state.comments.filter((c) => c.parentId === comment.id)) rows.push(commentView(reply, true));
  }
  $('comments').replaceChildren(...rows);
}

function commentView(comment, isReply) {
  return el(
    'li',
    { class: `${isReply ? 'reply' : ''} ${comment.fromPage ? 'page' : ''}`, 'data-comment': comment.id },
    el('strong', { text: comment.fromName }),
    ' ',
    el('span', { text: comment.message }),
  );
}

$('comment-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const message = $('comment-text').value.trim();
  if (!message || !state.current) return;
  $('comment-text').value = '';
  await api('POST', `/customers/${encodeURIComponent(state.current)}/comments`, { message });
});

// ---- faults ----

const FAULT_FIELDS = ['transientRate', 'slowMs', 'duplicateRate', 'reorderRate'];
function renderFaults(faults) {
  for (const key of FAULT_FIELDS) if (document.activeElement !== $(`f-${key}`)) $(`f-${key}`).value = faults[key];
  $('f-tokenExpired').checked = faults.tokenExpired;
  $('f-subscriptionLapsed').checked = faults.subscriptionLapsed;
}
for (const key of FAULT_FIELDS)
  $(`f-${key}`).addEventListener('change', () => api('PUT', '/faults', { [key]: Number($(`f-${key}`).value) }).then(renderFaults));
$('f-tokenExpired').addEventListener('change', () =>
  api('PUT', '/faults', { tokenExpired: $('f-tokenExpired').checked }).then(renderFaults),
);
$('f-subscriptionLapsed').addEventListener('change', () =>
  api('PUT', '/faults', { subscriptionLapsed: $('f-subscriptionLapsed').checked }).then(renderFaults),
);
$('burst').addEventListener('click', () => api('POST', '/faults/rate-limit', { count: 5 }));
$('expire-cdn').addEventListener('click', () => api('POST', '/cdn/expire'));

async function refreshDeliveries() {
  const { attempts } = await api('GET', '/deliveries');
  $('deliveries').replaceChildren(
    ...attempts
      .slice(-15)
      .reverse()
      .map((a) =>
        el('li', {
          class: typeof a.status === 'number' && a.status < 300 ? '' : 'failed',
          text: `${new Date(a.at).toLocaleTimeString()} ${a.items} item(s) → ${a.status}${a.duplicate ? ' (duplicate)' : ''}${a.reordered ? ' (late)' : ''}`,
        }),
      ),
  );
}

// ---- live updates ----

function onEvent(event) {
  if (event.type === 'item' && event.psid === state.current) {
    state.items.set(event.item.seq, event.item);
    if (event.item.from === 'page') state.typing = false;
    renderThread();
    if (event.item.from === 'page') markReadSoon();
  } else if (event.type === 'typing' && event.psid === state.current) {
    state.typing = event.on;
    $('typing').hidden = !state.typing;
  } else if (event.type === 'customers' || event.type === 'comments') {
    void loadState();
  } else if (event.type === 'faults') {
    renderFaults(event.faults);
  } else if (event.type === 'profile') {
    void loadState();
  } else if (event.type === 'routing' && event.psid === state.current) {
    state.routing = event.routing;
    renderRouting();
  }
  if (event.type === 'item') void refreshDeliveries();
}

async function loadState() {
  const data = await api('GET', '/state');
  state.page = data.page;
  state.customers = data.customers;
  state.comments = data.comments;
  state.profile = data.messengerProfile || {};
  state.instagram = data.instagram;
  state.origins = data.origins || [];
  $('page-name').textContent = data.page.name;
  $('page-picture').src = own(data.page.pictureUrl);
  $('post-text').textContent = data.post.message;
  renderCustomers();
  renderComments();
  renderFaults(data.faults);
  renderProfile();
  renderRouting();
}

const events = new EventSource('/sim/api/events');
events.addEventListener('message', (message) => onEvent(JSON.parse(message.data)));
void loadState().then(refreshDeliveries);

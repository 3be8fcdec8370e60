/**
 * The agent desk page: plain HTML, CSS and JS, no framework and no build step, so it loads fast and
 * ships inside the ccm build. The Socket.IO client comes from the Socket.IO server (`/socket.io/socket.io.js`).
 * Written without template literals inside the script so this file can hold it as one string.
 */
export const DESK_PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ccm agent desk</title>
<style>
  :root { --bg:#f5f6f8; --panel:#fff; --line:#d9dce1; --text:#1d2330; --muted:#5d6678; --accent:#1f5fd1; --agent:#e6efff; --bot:#eef7ee; --customer:#fff; --danger:#b3261e; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--text); background:var(--bg); }
  button, input, textarea, select { font:inherit; }
  button { cursor:pointer; border:1px solid var(--line); background:#fff; border-radius:6px; padding:.35rem .8rem; }
  button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
  button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible, li[tabindex]:focus-visible { outline:3px solid #ffbf47; outline-offset:1px; }
  .sr-only { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
  #login { max-width:320px; margin:12vh auto; background:var(--panel); padding:1.5rem; border-radius:10px; border:1px solid var(--line); }
  #login label { display:block; margin:.6rem 0 .2rem; }
  #login input { width:100%; padding:.45rem; border:1px solid var(--line); border-radius:6px; }
  .error { color:var(--danger); }
  #app { display:none; height:100vh; grid-template-columns:300px 1fr; grid-template-rows:auto 1fr; }
  header { grid-column:1 / 3; display:flex; gap:1rem; align-items:center; padding:.5rem 1rem; background:#1d2330; color:#fff; }
  header .spacer { flex:1; }
  header label { display:flex; gap:.4rem; align-items:center; }
  nav { overflow:auto; border-right:1px solid var(--line); background:var(--panel); }
  nav h2 { font-size:.8rem; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); margin:1rem 1rem .3rem; }
  nav ul { list-style:none; margin:0; padding:0; }
  nav li { padding:.55rem 1rem; border-bottom:1px solid #eef0f3; cursor:pointer; display:flex; justify-content:space-between; gap:.5rem; }
  nav li[aria-current="true"] { background:var(--agent); }
  .badge { background:var(--accent); color:#fff; border-radius:999px; padding:0 .5rem; font-size:.8rem; min-width:1.4rem; text-align:center; }
  main { display:flex; flex-direction:column; min-width:0; }
  #empty { margin:auto; color:var(--muted); }
  #conv { display:none; flex-direction:column; height:100%; min-height:0; }
  #conv-head { display:flex; gap:.8rem; align-items:center; padding:.6rem 1rem; background:var(--panel); border-bottom:1px solid var(--line); flex-wrap:wrap; }
  #conv-head img { width:40px; height:40px; border-radius:50%; background:#ddd; }
  #conv-head .meta { color:var(--muted); font-size:.85rem; }
  #conv-head .actions { margin-left:auto; display:flex; gap:.4rem; flex-wrap:wrap; }
  #transcript { flex:1; overflow:auto; padding:1rem; display:flex; flex-direction:column; gap:.5rem; list-style:none; margin:0; }
  .msg { max-width:70%; padding:.5rem .75rem; border-radius:10px; border:1px solid var(--line); white-space:pre-wrap; word-wrap:break-word; }
  .msg .who { font-size:.75rem; color:var(--muted); display:block; }
  .msg.customer { align-self:flex-start; background:var(--customer); }
  .msg.bot, .msg.system { align-self:flex-end; background:var(--bot); }
  .msg.agent { align-self:flex-end; background:var(--agent); }
  .msg .status { font-size:.75rem; color:var(--muted); text-align:right; display:block; }
  .msg .status.read { color:var(--accent); }
  .msg .failed { color:var(--danger); font-size:.8rem; display:block; }
  .chips { display:flex; gap:.3rem; flex-wrap:wrap; margin-top:.3rem; }
  .chips span { border:1px solid var(--accent); color:var(--accent); border-radius:999px; padding:0 .5rem; font-size:.8rem; }
  .card { border:1px solid var(--line); border-radius:8px; padding:.4rem .6rem; margin-top:.3rem; background:#fff; }
  #typing { color:var(--muted); font-size:.85rem; padding:0 1rem; min-height:1.2rem; }
  form#composer { border-top:1px solid var(--line); background:var(--panel); padding:.6rem 1rem; display:grid; gap:.4rem; }
  form#composer textarea { width:100%; min-height:3.2rem; border:1px solid var(--line); border-radius:6px; padding:.45rem; }
  form#composer .row { display:flex; gap:.5rem; align-items:center; flex-wrap:wrap; }
  #rich-json { font-family: ui-monospace, Menlo, monospace; min-height:7rem; }
  #rich-errors { margin:0; padding-left:1.2rem; }
</style>
</head>
<body>
<section id="login" aria-labelledby="login-title">
  <h1 id="login-title">Agent desk</h1>
  <form id="login-form">
    <label for="username">Username</label>
    <input id="username" name="username" autocomplete="username" required>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <p id="login-error" class="error" role="alert"></p>
    <button class="primary" type="submit">Sign in</button>
  </form>
</section>

<div id="app">
  <header>
    <strong>ccm</strong>
    <span id="me"></span>
    <span class="spacer"></span>
    <label><input type="checkbox" id="available"> Available</label>
    <span id="conn" aria-live="polite"></span>
    <button type="button" id="logout">Sign out</button>
  </header>
  <nav aria-label="Conversations">
    <h2 id="queue-title">Queue</h2>
    <ul id="queue" aria-labelledby="queue-title"></ul>
    <h2 id="mine-title">My conversations</h2>
    <ul id="mine" aria-labelledby="mine-title"></ul>
  </nav>
  <main>
    <p id="empty">Pick a conversation.</p>
    <section id="conv" aria-live="polite">
      <div id="conv-head">
        <img id="pic" alt="">
        <div><strong id="name"></strong><div class="meta" id="meta"></div></div>
        <div class="actions">
          <button type="button" id="accept" class="primary">Accept</button>
          <label class="sr-only" for="transfer-to">Transfer to agent id</label>
          <select id="transfer-to"><option value="">Back to queue</option></select>
          <button type="button" id="transfer">Transfer</button>
          <button type="button" id="close">Close</button>
          <button type="button" id="to-bot">Back to bot</button>
          <button type="button" id="open-linked" hidden>Open linked conversation</button>
        </div>
      </div>
      <div id="channel-actions" class="actions" hidden aria-label="Channel actions"><span id="channel-buttons"></span><span id="action-status" class="meta" role="status"></span></div>
      <ol id="transcript" aria-label="Transcript"></ol>
      <div id="typing" aria-live="polite"></div>
      <form id="composer">
        <div class="row">
          <label for="mode">Message type</label>
          <select id="mode">
            <option value="text">Text</option>
            <option value="rich">Rich (JSON: buttons, carousel, media)</option>
          </select>
          <button type="button" id="ex-buttons">Buttons example</button>
          <button type="button" id="ex-carousel">Carousel example</button>
        </div>
        <div id="text-box">
          <label for="text" class="sr-only">Message</label>
          <textarea id="text" placeholder="Type a reply… (Enter sends, Shift+Enter for a new line)"></textarea>
          <label for="quick">Quick replies (comma-separated, optional)</label>
          <input id="quick" placeholder="Yes, No">
        </div>
        <div id="rich-box" hidden>
          <label for="rich-json">Rich message JSON</label>
          <textarea id="rich-json" spellcheck="false"></textarea>
          <ul id="rich-errors" class="error" role="alert"></ul>
        </div>
        <div class="row"><button class="primary" type="submit" id="send">Send</button><span id="send-error" class="error" role="alert"></span></div>
      </form>
    </section>
  </main>
</div>
<script src="/socket.io/socket.io.js"></script>
<script>
(function () {
  'use strict';
  var token = sessionStorage.getItem('ccm.token');
  var me = JSON.parse(sessionStorage.getItem('ccm.agent') || 'null');
  var socket = null;
  var conversations = {};   // id → view
  var channels = {};        // channel id → descriptor (GET /api/channels)
  var messages = {};        // id → [message]
  var current = null;
  var lastTyping = 0;
  var $ = function (id) { return document.getElementById(id); };
  var TICKS = { queued: '🕓 sending', sent: '✓ sent', delivered: '✓✓ delivered', read: '✓✓ read', failed: '⚠ not delivered', received: '' };
  var EXAMPLES = {
    buttons: { kind: 'buttons', text: 'How can we help?', buttons: [ { type: 'postback', title: 'Track my order', payload: 'TRACK' }, { type: 'postback', title: 'Talk to sales', payload: 'SALES' } ] },
    carousel: { kind: 'carousel', cards: [ { title: 'Blue shirt', subtitle: '$20', imageUrl: 'https://img.example/blue.png', buttons: [ { type: 'postback', title: 'Buy', payload: 'BUY_BLUE' } ] }, { title: 'Red shirt', subtitle: '$22', buttons: [ { type: 'url', title: 'View', url: 'https://shop.example/red' } ] } ] }
  };

  function api(method, path, body) {
    return fetch(path, { method: method, headers: Object.assign({ authorization: 'Bearer ' + token }, body !== undefined ? { 'content-type': 'application/json' } : {}), body: body !== undefined ? JSON.stringify(body) : undefined })
      .then(function (r) {
        if (r.status === 401) { logout(); throw new Error('signed out'); }
        if (r.status === 204) return null;
        return r.json().then(function (j) { if (!r.ok) { var e = new Error(j.error ? j.error.message : 'error ' + r.status); e.details = j.error && j.error.details; throw e; } return j; });
      });
  }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    $('login-error').textContent = '';
    fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: $('username').value.trim().toLowerCase(), password: $('password').value }) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error.message); return j; }); })
      .then(function (j) { token = j.token; me = j.agent; sessionStorage.setItem('ccm.token', token); sessionStorage.setItem('ccm.agent', JSON.stringify(me)); start(); })
      .catch(function (e) { $('login-error').textContent = e.message; });
  });
  $('logout').addEventListener('click', logout);
  function logout() { sessionStorage.clear(); if (socket) socket.close(); location.reload(); }

  function start() {
    $('login').style.display = 'none';
    $('app').style.display = 'grid';
    $('me').textContent = me.displayName + (me.role === 'supervisor' ? ' (supervisor)' : '');
    api('GET', '/api/agents/me').then(function (a) { $('available').checked = a.status === 'available'; });
    // What each channel can do beyond messages (e.g. comments: reply publicly or privately, like, hide, delete).
    api('GET', '/api/channels').then(function (list) { list.forEach(function (c) { channels[c.id] = c; }); if (current) renderHead(); });
    if (me.role === 'supervisor') api('GET', '/api/agents').then(function (list) { list.forEach(function (a) { if (a.id !== me.id) { var o = el('option', '', 'To ' + a.displayName); o.value = a.id; $('transfer-to').appendChild(o); } }); });
    socket = io('/desk', { auth: { token: token }, transports: ['websocket', 'polling'] });
    socket.on('connect', function () { $('conn').textContent = 'online'; refresh(); });
    socket.on('disconnect', function () { $('conn').textContent = 'reconnecting…'; });
    socket.on('connect_error', function () { $('conn').textContent = 'offline'; });
    ['conversation.queued', 'conversation.assigned', 'conversation.closed', 'conversation.updated'].forEach(function (name) {
      socket.on(name, function (c) { conversations[c.id] = c; renderLists(); if (current === c.id) renderHead(); });
    });
    socket.on('conversation.removed', function (p) { delete conversations[p.conversationId]; renderLists(); if (current === p.conversationId) select(null); });
    socket.on('message.created', function (p) {
      var list = messages[p.conversationId];
      if (list && !list.some(function (m) { return m.id === p.message.id; })) list.push(p.message);
      if (current === p.conversationId) { renderTranscript(); if (p.message.direction === 'in') socket.emit('open', { conversationId: current }); }
    });
    socket.on('message.status', function (p) {
      (messages[p.conversationId] || []).forEach(function (m) { if (m.id === p.messageId) { m.status = p.status; m.error = p.error; } });
      if (current === p.conversationId) renderTranscript();
    });
    socket.on('agent.status', function (a) { if (a.id === me.id) $('available').checked = a.status === 'available'; });
  }

  function refresh() {
    Promise.all([api('GET', '/api/conversations?state=queued'), api('GET', '/api/conversations?state=active')]).then(function (r) {
      conversations = {};
      r[0].concat(r[1]).forEach(function (c) { conversations[c.id] = c; });
      renderLists();
      if (current) { if (conversations[current]) load(current); else select(null); }
    });
  }

  $('available').addEventListener('change', function () {
    api('PUT', '/api/agents/me/status', { status: $('available').checked ? 'available' : 'away' }).catch(function () { $('available').checked = !$('available').checked; });
  });

  function label(c) { return (c.customer.name || c.customer.id); }
  function renderLists() {
    var queue = $('queue'), mine = $('mine');
    queue.textContent = ''; mine.textContent = '';
    Object.keys(conversations).map(function (k) { return conversations[k]; })
      .sort(function (a, b) { return (a.queuedAt || 0) - (b.queuedAt || 0); })
      .forEach(function (c) {
        var target = c.state === 'QUEUED' ? queue : (c.state === 'AGENT' && (c.assignedAgentId === me.id || me.role === 'supervisor') ? mine : null);
        if (!target) return;
        var li = el('li');
        li.tabIndex = 0;
        li.setAttribute('role', 'button');
        li.dataset.id = c.id;
        li.setAttribute('aria-current', String(current === c.id));
        li.appendChild(el('span', '', label(c)));
        if (c.unread > 0 && current !== c.id) { var b = el('span', 'badge', String(c.unread)); b.setAttribute('aria-label', c.unread + ' unread'); li.appendChild(b); }
        li.addEventListener('click', function () { select(c.id); });
        li.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(c.id); } });
        target.appendChild(li);
      });
    if (!queue.children.length) queue.appendChild(el('li', '', 'Nobody waiting'));
    if (!mine.children.length) mine.appendChild(el('li', '', 'None yet'));
  }

  function select(id) {
    current = id;
    $('empty').style.display = id ? 'none' : '';
    $('conv').style.display = id ? 'flex' : 'none';
    renderLists();
    if (id) load(id);
  }
  function load(id) {
    api('GET', '/api/conversations/' + id).then(function (c) { conversations[id] = c; renderHead(); });
    api('GET', '/api/conversations/' + id + '/messages').then(function (list) { messages[id] = list; if (current === id) renderTranscript(); });
    socket.emit('open', { conversationId: id });
  }

  function renderHead() {
    var c = conversations[current]; if (!c) return;
    $('name').textContent = label(c);
    $('pic').style.visibility = 'visible';
    $('pic').onerror = function () { this.style.visibility = 'hidden'; };
    if (c.customer.pictureUrl) { $('pic').src = c.customer.pictureUrl; $('pic').alt = 'Picture of ' + label(c); } else { $('pic').removeAttribute('src'); }
    var bits = [c.state === 'QUEUED' ? 'waiting in the queue' : c.state === 'AGENT' ? 'with an agent' : c.state.toLowerCase()];
    if (c.handoverReason) bits.push('hand-over: ' + c.handoverReason);
    if (c.bot && c.bot.intent) bits.push('bot: ' + c.bot.intent + ' (' + Math.round((c.bot.confidence || 0) * 100) + '%)');
    if (!c.windowOpen) bits.push('outside the 24-hour window');
    $('meta').textContent = bits.join(' · ');
    var mineActive = c.state === 'AGENT';
    $('accept').hidden = c.state !== 'QUEUED';
    ['transfer', 'transfer-to', 'close', 'to-bot'].forEach(function (b) { $(b).hidden = !mineActive; });
    $('composer').hidden = !mineActive;
    $('open-linked').hidden = !c.linkedConversationId;
    $('open-linked').onclick = function () { select(c.linkedConversationId); };
    renderChannelActions(c, mineActive);
  }

  var renderedActionsFor = null;
  var ACTION_LABELS = { public_reply: 'Reply publicly', private_reply: 'Reply privately', like: 'Like', unlike: 'Unlike', hide: 'Hide', unhide: 'Unhide', 'delete': 'Delete comment' };
  function renderChannelActions(c, mineActive) {
    var box = $('channel-buttons'); box.textContent = '';
    var actions = (channels[c.channel] && channels[c.channel].capabilities.actions) || [];
    $('channel-actions').hidden = !(mineActive && actions.length);
    if (renderedActionsFor !== c.id) { $('action-status').textContent = ''; renderedActionsFor = c.id; }
    actions.forEach(function (a) {
      var b = el('button', '', ACTION_LABELS[a] || a); b.type = 'button'; b.setAttribute('data-action', a);
      b.addEventListener('click', function () { channelAction(c.id, a); });
      box.appendChild(b);
    });
  }
  function channelAction(id, action) {
    var body = { action: action };
    if (action === 'public_reply' || action === 'private_reply') {
      var text = window.prompt(action === 'private_reply' ? 'Private reply (a Messenger message; one per comment, within 7 days):' : 'Public reply to the comment:');
      if (!text) return;
      body.text = text;
    }
    if (action === 'delete' && !window.confirm('Delete the comment on Facebook?')) return;
    api('POST', '/api/conversations/' + id + '/channel-actions', body)
      .then(function (r) { $('action-status').textContent = 'Done: ' + (ACTION_LABELS[action] || action) + (r.linkedConversationId ? ' (continues on Messenger)' : ''); load(id); })
      .catch(function (e) { $('action-status').textContent = e.message; });
  }

  function describe(m) {
    var c = m.content;
    if (!c || m.direction === 'in') return null;
    var box = el('div');
    if (c.kind === 'buttons' || (c.kind === 'media' && c.buttons)) { var chips = el('div', 'chips'); c.buttons.forEach(function (b) { chips.appendChild(el('span', '', b.title)); }); box.appendChild(chips); }
    if (c.kind === 'carousel') c.cards.forEach(function (card) { var d = el('div', 'card'); d.appendChild(el('strong', '', card.title)); if (card.subtitle) d.appendChild(el('div', '', card.subtitle)); if (card.buttons) { var ch = el('div', 'chips'); card.buttons.forEach(function (b) { ch.appendChild(el('span', '', b.title)); }); d.appendChild(ch); } box.appendChild(d); });
    if (c.quickReplies) { var q = el('div', 'chips'); c.quickReplies.forEach(function (r) { q.appendChild(el('span', '', r.title || r.type)); }); box.appendChild(q); }
    return box.children.length ? box : null;
  }
  function renderTranscript() {
    var list = messages[current] || [], t = $('transcript');
    var atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 40;
    t.textContent = '';
    list.forEach(function (m) {
      var li = el('li', 'msg ' + m.author);
      li.dataset.messageId = m.id;
      li.appendChild(el('span', 'who', m.author === 'customer' ? 'Customer' : m.author === 'bot' ? 'Bot' : m.author === 'system' ? 'System' : 'Agent'));
      li.appendChild(el('span', 'body', m.text || (m.content && m.content.attachments ? '[' + m.content.attachments.map(function (a) { return a.type; }).join(', ') + ']' : '')));
      var extra = describe(m); if (extra && m.content.kind !== 'text') { li.firstChild.nextSibling.textContent = m.content.text || (m.content.kind === 'carousel' ? 'Carousel' : m.text); li.appendChild(extra); } else if (extra) li.appendChild(extra);
      if (m.direction === 'out') { var s = el('span', 'status ' + m.status, TICKS[m.status] || m.status); s.dataset.status = m.status; li.appendChild(s); }
      if (m.error && (m.status === 'failed' || m.status === 'queued')) li.appendChild(el('span', 'failed', (m.status === 'failed' ? 'Failed: ' : 'Retrying: ') + m.error.message));
      t.appendChild(li);
    });
    if (atBottom || true) t.scrollTop = t.scrollHeight;
  }

  function act(path, body) { return api('POST', '/api/conversations/' + current + path, body || {}).then(function (c) { conversations[c.id] = c; renderLists(); renderHead(); }).catch(function (e) { $('send-error').textContent = e.message; alert(e.message); }); }
  $('accept').addEventListener('click', function () { act('/accept').then(function () { $('text').focus(); }); });
  $('transfer').addEventListener('click', function () { var to = $('transfer-to').value; act('/transfer', to ? { toAgentId: to } : {}); });
  $('close').addEventListener('click', function () { act('/close', {}); });
  $('to-bot').addEventListener('click', function () { act('/close', { returnToBot: true }); });

  $('mode').addEventListener('change', function () { var rich = $('mode').value === 'rich'; $('rich-box').hidden = !rich; $('text-box').hidden = rich; validateRich(); });
  function example(name) { $('mode').value = 'rich'; $('mode').dispatchEvent(new Event('change')); $('rich-json').value = JSON.stringify(EXAMPLES[name], null, 2); validateRich(); $('rich-json').focus(); }
  $('ex-buttons').addEventListener('click', function () { example('buttons'); });
  $('ex-carousel').addEventListener('click', function () { example('carousel'); });

  // Validated as you type: JSON syntax and the basic limits here; the server checks every limit and names the field.
  function validateRich() {
    var errors = [], raw = $('rich-json').value.trim();
    if ($('mode').value === 'rich' && raw) {
      try {
        var m = JSON.parse(raw);
        if (['text', 'buttons', 'carousel', 'media'].indexOf(m.kind) < 0) errors.push('kind: must be one of text, buttons, carousel, media');
        if (m.kind === 'buttons') { if (!m.buttons || m.buttons.length < 1 || m.buttons.length > 3) errors.push('buttons: 1 to 3 buttons'); (m.buttons || []).forEach(function (b, i) { if (!b.title || b.title.length > 20) errors.push('buttons[' + i + '].title: 1 to 20 characters'); }); if (m.text && m.text.length > 640) errors.push('text: limit 640'); }
        if (m.kind === 'carousel') { if (!m.cards || m.cards.length < 1 || m.cards.length > 10) errors.push('cards: 1 to 10 cards'); (m.cards || []).forEach(function (c, i) { if (!c.title || c.title.length > 80) errors.push('cards[' + i + '].title: 1 to 80 characters'); }); }
        if (m.quickReplies && m.quickReplies.length > 13) errors.push('quickReplies: at most 13');
      } catch (e) { errors.push('JSON: ' + e.message); }
    }
    showErrors(errors);
    return errors.length === 0;
  }
  function showErrors(list) { var ul = $('rich-errors'); ul.textContent = ''; list.forEach(function (e) { ul.appendChild(el('li', '', e)); }); $('rich-json').setAttribute('aria-invalid', String(list.length > 0)); }
  $('rich-json').addEventListener('input', validateRich);

  function typing() { var now = Date.now(); if (current && now - lastTyping > 3000) { lastTyping = now; socket.emit('typing', { conversationId: current, on: true }); } }
  $('text').addEventListener('input', typing);
  $('rich-json').addEventListener('input', typing);
  $('text').addEventListener('keydown', function (e) { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('composer').requestSubmit(); } });

  $('composer').addEventListener('submit', function (ev) {
    ev.preventDefault();
    $('send-error').textContent = '';
    var body;
    if ($('mode').value === 'rich') {
      if (!validateRich()) return;
      body = { message: JSON.parse($('rich-json').value) };
    } else {
      var text = $('text').value.trim(); if (!text) return;
      var quick = $('quick').value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
      body = quick.length ? { message: { kind: 'text', text: text, quickReplies: quick.map(function (q) { return { type: 'text', title: q, payload: q.toUpperCase() }; }) } } : { text: text };
    }
    api('POST', '/api/conversations/' + current + '/messages', body).then(function (m) {
      var list = messages[current] = messages[current] || [];
      if (!list.some(function (x) { return x.id === m.id; })) list.push(m);
      renderTranscript();
      $('text').value = ''; $('quick').value = '';
      if ($('mode').value === 'rich') { $('rich-json').value = ''; }
    }).catch(function (e) {
      $('send-error').textContent = e.message;
      if (e.details) showErrors(e.details.map(function (d) { return d.message; }));
    });
  });

  if (token && me) start();
})();
</script>
</body>
</html>
`;

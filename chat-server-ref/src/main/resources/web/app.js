// Parley web demo: a plain-JavaScript client of the Parley WebSocket protocol (docs/protocol.md).
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const PAGE = 30;

  const state = {
    token: null,
    devUser: null,       // set when signed in through the dev endpoint, so a reconnect can mint a fresh token
    ws: null,
    me: null,
    signedIn: false,
    attempt: 0,
    reconnectTimer: null,
    pingTimer: null,
    nextId: 1,
    pending: new Map(),  // requestId -> callback(frame)
    conversations: new Map(),
    messages: new Map(), // conversationId -> Map(messageId -> message)
    hasMore: new Map(),
    online: new Set(),
    typing: new Map(),   // conversationId -> Map(userId -> username)
    active: null,
    loadingMore: false,
    replyTo: null,
    typingSentAt: 0,
    typingStopTimer: null,
  };

  // ---- wire ----

  function send(type, payload, onAnswer) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return null;
    const requestId = 'r' + (state.nextId++);
    if (onAnswer) state.pending.set(requestId, onAnswer);
    state.ws.send(JSON.stringify({ type, payload: payload || {}, requestId }));
    return requestId;
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const ws = new WebSocket(scheme + location.host + '/ws', 'parley.v1');
    state.ws = ws;
    ws.onopen = () => {
      send('auth', { token: state.token }, onAuthAnswer);
    };
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      const callback = frame.requestId && state.pending.get(frame.requestId);
      if (callback) {
        state.pending.delete(frame.requestId);
        callback(frame);
      }
      handleEvent(frame, Boolean(callback));
    };
    ws.onclose = (event) => {
      if (state.ws !== ws) return;
      clearInterval(state.pingTimer);
      state.pending.clear();
      state.online.clear();
      state.typing.clear();
      renderTyping();
      renderConversations();
      if (!state.signedIn) return;
      // 4002: token expired; 1008: policy violation. Retrying the same token would loop.
      if ((event.code === 4002 && !state.devUser) || event.code === 1008) {
        signOut('Disconnected (' + (event.reason || event.code) + '). Sign in again.');
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    $('banner').hidden = false;
    const delay = Math.min(15000, 500 * 2 ** state.attempt) * (0.75 + Math.random() * 0.5);
    state.attempt++;
    $('banner').textContent = 'Connection lost. Reconnecting in ' + Math.ceil(delay / 1000) + ' s…';
    state.reconnectTimer = setTimeout(async () => {
      if (state.devUser) {
        try { state.token = await devToken(state.devUser); } catch (e) { scheduleReconnect(); return; }
      }
      $('banner').textContent = 'Reconnecting…';
      connect();
    }, delay);
  }

  function onAuthAnswer(frame) {
    if (frame.type !== 'auth_success') {
      const message = (frame.payload && frame.payload.error) || 'Authentication failed';
      if (!state.signedIn) {
        $('signin-error').textContent = message;
        state.ws.close();
        state.ws = null;
      } else {
        signOut(message);
      }
      return;
    }
    state.me = frame.payload.user;
    state.signedIn = true;
    state.attempt = 0;
    $('banner').hidden = true;
    $('signin').hidden = true;
    $('app').hidden = false;
    $('me-name').textContent = state.me.display_name || state.me.username || state.me.id;
    $('me-name').title = 'Your user id: ' + state.me.id;
    clearInterval(state.pingTimer);
    state.pingTimer = setInterval(() => send('ping', {}), 25000);
    send('load_conversations', {}, (answer) => {
      if (answer.type !== 'conversations_loaded') return;
      for (const c of answer.payload.conversations) {
        state.conversations.set(c.id, c);
        join(c.id);
      }
      renderConversations();
      if (state.active) loadMessages(state.active);
    });
  }

  function join(conversationId) {
    send('join_conversation', { conversationId }, (answer) => {
      if (answer.type !== 'conversation_joined') return;
      const p = answer.payload;
      state.conversations.set(conversationId, p.conversation);
      for (const id of p.onlineUserIds) state.online.add(id);
      const typing = new Map();
      for (const id of p.typingUserIds) typing.set(id, nameOf(p.conversation, id));
      state.typing.set(conversationId, typing);
      renderConversations();
      if (conversationId === state.active) { renderHeader(); renderTyping(); }
    });
  }

  function handleEvent(frame, wasAnswer) {
    const p = frame.payload || {};
    switch (frame.type) {
      case 'message_received': addMessages(p.message.conversation_id, [p.message], 'new'); break;
      case 'conversation_created':
        if (!wasAnswer) {
          state.conversations.set(p.id, p);
          join(p.id);
          renderConversations();
        }
        break;
      case 'typing_update': {
        const typing = state.typing.get(p.conversationId) || new Map();
        if (p.isTyping) typing.set(p.userId, p.username); else typing.delete(p.userId);
        state.typing.set(p.conversationId, typing);
        if (p.conversationId === state.active) renderTyping();
        break;
      }
      case 'user_online': state.online.add(p.userId); renderConversations(); renderHeader(); break;
      case 'user_offline': state.online.delete(p.userId); renderConversations(); renderHeader(); break;
      case 'auth_error':
        // The token expired while connected: a dev user gets a fresh one, anyone else signs in again.
        if (state.devUser) {
          devToken(state.devUser).then((token) => { state.token = token; send('auth', { token }); });
        }
        break;
      default: break;
    }
  }

  // ---- conversations and messages ----

  function otherParticipants(c) {
    return (c.participants || []).filter((p) => !state.me || p.user_id !== state.me.id);
  }

  function nameOf(c, userId) {
    const p = (c.participants || []).find((x) => x.user_id === userId);
    return p ? (p.user.display_name || p.user.username) : userId;
  }

  function select(conversationId) {
    state.active = conversationId;
    state.replyTo = null;
    $('reply-bar').hidden = true;
    $('message').disabled = false;
    $('send').disabled = false;
    const c = state.conversations.get(conversationId);
    if (c) c.unread_count = 0;
    renderConversations();
    renderHeader();
    renderTyping();
    renderMessages('bottom');
    loadMessages(conversationId);
    $('message').focus();
  }

  function loadMessages(conversationId) {
    send('load_messages', { conversationId, limit: PAGE }, (answer) => {
      if (answer.type !== 'messages_loaded') return;
      state.hasMore.set(conversationId, answer.payload.hasMore);
      addMessages(conversationId, answer.payload.messages, 'bottom');
    });
  }

  function loadOlder() {
    const id = state.active;
    if (!id || state.loadingMore || !state.hasMore.get(id)) return;
    const oldest = sortedMessages(id)[0];
    if (!oldest) return;
    state.loadingMore = true;
    send('load_more_messages', { conversationId: id, beforeMessageId: oldest.id, limit: PAGE }, (answer) => {
      state.loadingMore = false;
      if (answer.type !== 'messages_loaded') return;
      state.hasMore.set(id, answer.payload.hasMore);
      addMessages(id, answer.payload.messages, 'keep');
    });
  }

  function addMessages(conversationId, messages, scroll) {
    const map = state.messages.get(conversationId) || new Map();
    for (const m of messages) map.set(m.id, m);
    state.messages.set(conversationId, map);
    const c = state.conversations.get(conversationId);
    if (c && scroll === 'new') {
      const m = messages[0];
      c.latest_message_content = m.encrypted_content;
      c.last_message_at = m.created_at;
      if (conversationId !== state.active && m.sender_id !== state.me.id) c.unread_count = (c.unread_count || 0) + 1;
      const typing = state.typing.get(conversationId);
      if (typing) typing.delete(m.sender_id);
    }
    renderConversations();
    if (conversationId === state.active) {
      renderMessages(scroll);
      renderTyping();
    }
  }

  function sortedMessages(conversationId) {
    return [...(state.messages.get(conversationId) || new Map()).values()].sort((a, b) => a.seq - b.seq);
  }

  // ---- rendering (textContent only: message bodies are never parsed as HTML) ----

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderConversations() {
    const list = $('conversations');
    list.replaceChildren();
    const sorted = [...state.conversations.values()].sort((a, b) =>
      String(b.last_message_at || b.created_at).localeCompare(String(a.last_message_at || a.created_at)));
    for (const c of sorted) {
      const li = el('li');
      li.dataset.id = c.id;
      if (c.id === state.active) li.classList.add('active');
      const others = otherParticipants(c);
      const dot = el('span', 'dot');
      if (others.some((p) => state.online.has(p.user_id))) dot.classList.add('online');
      li.append(dot, el('span', 'name', c.name || others.map((p) => p.user.username).join(', ') || 'Just you'));
      if (c.unread_count > 0 && c.id !== state.active) li.append(el('span', 'unread', String(c.unread_count)));
      li.onclick = () => select(c.id);
      list.append(li);
    }
  }

  function renderHeader() {
    const c = state.active && state.conversations.get(state.active);
    if (!c) return;
    $('chat-title').textContent = c.name || 'Conversation';
    $('chat-members').textContent = otherParticipants(c)
      .map((p) => (p.user.username || p.user_id) + (state.online.has(p.user_id) ? ' (online)' : '')).join(', ');
  }

  function renderTyping() {
    const typing = state.active && state.typing.get(state.active);
    const names = typing ? [...typing.values()] : [];
    $('typing').textContent = names.length === 0 ? ''
      : names.join(', ') + (names.length === 1 ? ' is typing…' : ' are typing…');
  }

  function renderMessages(scroll) {
    const box = $('messages');
    const fromBottom = box.scrollHeight - box.scrollTop;
    const nearBottom = fromBottom - box.clientHeight < 60;
    box.replaceChildren();
    if (state.hasMore.get(state.active)) box.append(el('div', 'muted', 'Scroll up for older messages'));
    for (const m of sortedMessages(state.active)) {
      const div = el('div', 'msg');
      div.dataset.id = m.id;
      if (state.me && m.sender_id === state.me.id) div.classList.add('mine');
      const who = el('div', 'who');
      const time = new Date(m.created_at);
      who.append(el('span', '', (m.sender && m.sender.username) || m.sender_id),
        el('span', '', time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
      const reply = el('button', 'link reply', 'Reply');
      reply.onclick = () => startReply(m);
      who.append(reply);
      div.append(who);
      if (m.reply_to) div.append(el('div', 'quote', m.reply_to.encrypted_content === null ? '(deleted)' : m.reply_to.encrypted_content));
      div.append(el('div', 'body', m.encrypted_content === null ? '(deleted)' : m.encrypted_content));
      box.append(div);
    }
    if (scroll === 'keep') box.scrollTop = box.scrollHeight - fromBottom;
    else if (scroll === 'bottom' || nearBottom) box.scrollTop = box.scrollHeight;
  }

  function startReply(m) {
    state.replyTo = m;
    $('reply-text').textContent = 'Replying to ' + ((m.sender && m.sender.username) || m.sender_id) + ': '
      + (m.encrypted_content || '').slice(0, 80);
    $('reply-bar').hidden = false;
    $('message').focus();
  }

  // ---- user input ----

  // crypto.randomUUID exists only in secure contexts (https, localhost).
  function clientMessageId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }

  async function devToken(user) {
    const response = await fetch('/dev/token/' + encodeURIComponent(user), { cache: 'no-store' });
    if (response.status === 404) throw new Error('This server is not in dev mode: paste a token instead.');
    if (!response.ok) throw new Error((await response.text()).trim());
    return (await response.json()).token;
  }

  function signOut(message) {
    state.signedIn = false;
    state.devUser = null;
    clearTimeout(state.reconnectTimer);
    clearInterval(state.pingTimer);
    const ws = state.ws;
    state.ws = null;
    if (ws) ws.close(1000, 'sign_out');
    state.conversations.clear();
    state.messages.clear();
    state.active = null;
    $('banner').hidden = true;
    $('app').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message || '';
  }

  $('dev-form').onsubmit = async (event) => {
    event.preventDefault();
    $('signin-error').textContent = '';
    const user = $('dev-user').value.trim();
    try {
      state.token = await devToken(user);
      state.devUser = user;
      connect();
    } catch (e) {
      $('signin-error').textContent = e.message;
    }
  };

  $('token-form').onsubmit = (event) => {
    event.preventDefault();
    $('signin-error').textContent = '';
    state.token = $('token').value.trim();
    state.devUser = null;
    connect();
  };

  $('sign-out').onclick = () => signOut('');

  $('new-form').onsubmit = (event) => {
    event.preventDefault();
    const type = event.submitter ? event.submitter.dataset.type : 'direct';
    const ids = $('new-ids').value.split(',').map((s) => s.trim()).filter(Boolean);
    const payload = { participant_ids: ids, type };
    const name = $('new-name').value.trim();
    if (type === 'group' && name) payload.name = name;
    send('create_conversation', payload, (answer) => {
      if (answer.type !== 'conversation_created') {
        alert(answer.payload.error || 'Could not create the conversation');
        return;
      }
      state.conversations.set(answer.payload.id, answer.payload.conversation);
      $('new-ids').value = '';
      $('new-name').value = '';
      join(answer.payload.id);
      select(answer.payload.id);
    });
  };

  $('message').oninput = () => {
    if (!state.active) return;
    const now = Date.now();
    if (now - state.typingSentAt > 2000) {
      state.typingSentAt = now;
      send('typing_start', { conversationId: state.active });
    }
    clearTimeout(state.typingStopTimer);
    const id = state.active;
    state.typingStopTimer = setTimeout(() => { state.typingSentAt = 0; send('typing_stop', { conversationId: id }); }, 3000);
  };

  $('composer').onsubmit = (event) => {
    event.preventDefault();
    const content = $('message').value;
    if (!state.active || content.trim() === '') return;
    const payload = { conversationId: state.active, content, clientMessageId: clientMessageId() };
    if (state.replyTo) payload.replyToId = state.replyTo.id;
    // Sending clears the typing state on the server.
    clearTimeout(state.typingStopTimer);
    state.typingSentAt = 0;
    send('send_message', payload, (answer) => {
      if (answer.type === 'message_sent') addMessages(answer.payload.message.conversation_id, [answer.payload.message], 'bottom');
      else alert(answer.payload.error || 'Not sent');
    });
    $('message').value = '';
    state.replyTo = null;
    $('reply-bar').hidden = true;
  };

  $('reply-cancel').onclick = () => { state.replyTo = null; $('reply-bar').hidden = true; };

  $('messages').onscroll = () => { if ($('messages').scrollTop < 40) loadOlder(); };
})();

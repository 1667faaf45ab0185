/*
 * Talad web chat: the customer's side of the conversation, talking to /chat/api.
 * Plain browser JavaScript, no build step. Everything the server sends is untrusted:
 * it is put on the page with textContent and checked URLs, never with innerHTML.
 */
(function () {
  'use strict';

  var API = '/chat/api';
  var BACKOFF_MS = [1000, 2000, 5000];
  // The server holds a poll up to 25 s; past this the connection is taken as dead.
  var POLL_TIMEOUT_MS = 35000;
  var HELD_POLL_MS = 2500;
  var SEND_ATTEMPTS = 4;
  var PINNED_SLACK_PX = 80;

  var root = document.documentElement;
  // The conversation's language as the server knows it (never the browser's own): it may change while
  // the page is open, when the customer picks another language in the chat (see useLanguage).
  var lang = root.lang === 'en' ? 'en' : 'th';
  if (root.lang !== lang) root.lang = lang;
  // The page's texts in that language, put in the page by the server from templates/messages.
  var textsEl = document.getElementById('chat-texts');
  var t = JSON.parse((textsEl && textsEl.textContent) || '{}');
  var locale = lang === 'en' ? 'en-GB' : 'th-TH';

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute('content') || '' : '';

  var list = byTestId('message-list');
  var form = byTestId('composer');
  var input = byTestId('composer-input');
  var sendButton = byTestId('send-button');
  var attachButton = byTestId('attach-button');
  var fileInput = byTestId('attach-input');
  var statusLine = byTestId('connection-status');
  var jumpButton = byTestId('jump-to-latest');
  var shopNameEl = byTestId('shop-name');
  var shopName = shopNameEl ? (shopNameEl.textContent || '').trim() : '';
  var baseTitle = document.title;

  var timeFormat;
  var dayFormat;
  function makeFormats() {
    timeFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
    dayFormat = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  }
  makeFormats();

  /** Message id → its row, for server messages and the visitor's own (optimistic) ones. */
  var rows = new Map();
  var cursor = null;
  var loaded = false;
  var pinned = true;
  var lastDayKey = '';
  var unread = 0;
  var welcomeEl = null;
  var chipsEl = null;
  /** Pending backoff waits, ended early when the network or the tab comes back. */
  var sleepers = new Set();
  /** Ids the visitor sent that the server has not echoed yet: a bot message from before them gets no chips. */
  var unconfirmed = new Set();
  /** Visitor-message row → how to send it again. */
  var retries = new WeakMap();

  // ---------- small helpers ----------

  function byTestId(id) {
    return document.querySelector('[data-testid="' + id + '"]');
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    // randomUUID exists only in secure contexts; getRandomValues works everywhere.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  /** Only web addresses (and, for pictures, inline image data) may come from the server. */
  function safeUrl(raw, forImage) {
    if (typeof raw !== 'string' || raw === '') return null;
    try {
      var u = new URL(raw, window.location.href);
      if (u.protocol === 'https:' || u.protocol === 'http:') return u.href;
      if (forImage && u.protocol === 'blob:') return u.href;
      if (forImage && /^data:image\/(png|jpe?g|gif|webp);/i.test(raw)) return raw;
    } catch (e) {
      /* not a URL */
    }
    return null;
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      var timer = setTimeout(done, ms);
      sleepers.add(done);
      function done() {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      }
    });
  }

  function fetchWithTimeout(url, init, ms) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, ms);
    init.signal = controller.signal;
    return fetch(url, init).finally(function () { clearTimeout(timer); });
  }

  function dayKey(d) {
    return d.getFullYear() + '-' + d.getMonth() + '-' + d.getDate();
  }

  function parseTime(iso) {
    var d = iso ? new Date(iso) : new Date();
    return isNaN(d.getTime()) ? new Date() : d;
  }

  // ---------- scrolling ----------

  function isNearBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < PINNED_SLACK_PX;
  }

  function scrollToBottom() {
    list.scrollTop = list.scrollHeight;
    pinned = true;
    jumpButton.hidden = true;
  }

  /** After adding content: follow it when the visitor was at the bottom, else offer a jump. */
  function afterAppend(force) {
    if (force || pinned) {
      scrollToBottom();
      requestAnimationFrame(scrollToBottom);
    } else {
      jumpButton.hidden = false;
    }
  }

  list.addEventListener('scroll', function () {
    pinned = isNearBottom();
    if (pinned) jumpButton.hidden = true;
  }, { passive: true });

  jumpButton.addEventListener('click', function () {
    scrollToBottom();
  });

  /** Pictures change the height when they load: keep the newest message in view. */
  function keepPinnedOnLoad(img) {
    img.addEventListener('load', function () {
      if (pinned) scrollToBottom();
    });
  }

  // ---------- connection state ----------

  function setConnection(state) {
    if (statusLine.getAttribute('data-state') === state) return;
    statusLine.setAttribute('data-state', state);
    statusLine.textContent = state === 'reconnecting' ? t.reconnecting : state === 'connecting' ? t.connecting : t.online;
  }

  // ---------- rendering ----------

  /** Text with web addresses turned into links; everything else stays text. */
  function appendLinkified(parent, text) {
    var re = /\bhttps?:\/\/[^\s<>"']+/gi;
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      var url = m[0].replace(/[).,;:!?\]]+$/, '');
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var href = safeUrl(url, false);
      if (href) {
        var a = el('a', 'link', url);
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(url));
      }
      last = m.index + url.length;
      re.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function insertDaySeparator(date) {
    var key = dayKey(date);
    if (key === lastDayKey) return;
    lastDayKey = key;
    var now = new Date();
    var yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
    var label = key === dayKey(now) ? t.today : key === dayKey(yesterday) ? t.yesterday : dayFormat.format(date);
    var sep = el('div', 'day');
    sep.setAttribute('role', 'separator');
    sep.appendChild(el('span', 'day__label', label));
    insertBeforeChips(sep);
  }

  /** The quick-reply row, when shown, stays the last thing in the list. */
  function insertBeforeChips(node) {
    if (chipsEl && chipsEl.parentNode === list) list.insertBefore(node, chipsEl);
    else list.appendChild(node);
  }

  function makeRow(from, id, date) {
    insertDaySeparator(date);
    var row = el('div', 'row row--' + (from === 'me' ? 'me' : 'bot'));
    row.setAttribute('data-testid', from === 'me' ? 'visitor-message' : 'bot-message');
    row.setAttribute('data-message-id', id);
    if (from !== 'me') row.appendChild(el('span', 'avatar', null)).setAttribute('aria-hidden', 'true');
    var stack = el('div', 'stack');
    row.appendChild(stack);
    var meta = el('div', 'meta');
    var time = el('time', 'meta__time', timeFormat.format(date));
    time.dateTime = date.toISOString();
    meta.appendChild(time);
    stack.appendChild(meta);
    insertBeforeChips(row);
    rows.set(id, row);
    return row;
  }

  /** Adds a part's element just above the row's time line. */
  function addToRow(row, node) {
    var stack = row.querySelector('.stack');
    stack.insertBefore(node, stack.querySelector('.meta'));
  }

  function textBubble(from, text) {
    var bubble = el('div', 'bubble bubble--' + (from === 'me' ? 'me' : 'bot'));
    bubble.setAttribute('data-testid', from === 'me' ? 'visitor-bubble' : 'bot-bubble');
    appendLinkified(bubble, String(text == null ? '' : text));
    return bubble;
  }

  function imageBubble(from, url, altText, caption) {
    var fig = el('figure', 'bubble bubble--image bubble--' + (from === 'me' ? 'me' : 'bot'));
    fig.setAttribute('data-testid', from === 'me' ? 'visitor-bubble' : 'bot-bubble');
    var src = safeUrl(url, true);
    var alt = altText || (from === 'me' ? t.yourPhoto : t.photo);
    var img = src ? el('img', 'bubble__img') : brokenImage(alt);
    if (src) {
      img.alt = alt;
      img.decoding = 'async';
      keepPinnedOnLoad(img);
      img.addEventListener('error', function () {
        img.replaceWith(brokenImage(alt));
      });
      img.src = src;
    }
    var href = src && safeUrl(url, false);
    if (href && from !== 'me') {
      var open = el('a', 'bubble__imglink');
      open.href = href;
      open.target = '_blank';
      open.rel = 'noopener noreferrer';
      open.title = t.openImage;
      open.appendChild(img);
      fig.appendChild(open);
    } else {
      fig.appendChild(img);
    }
    if (caption) {
      var cap = el('figcaption', 'bubble__caption');
      appendLinkified(cap, String(caption));
      fig.appendChild(cap);
    }
    if (href && from !== 'me') {
      // A PromptPay QR is paid from a banking app on the same phone: saving it must be one tap.
      var save = el('a', 'bubble__save', t.saveImage);
      save.href = href;
      save.setAttribute('download', '');
      save.setAttribute('data-testid', 'save-image');
      fig.appendChild(save);
    }
    return fig;
  }

  /** Stands in for a picture that cannot be shown, with its description. */
  function brokenImage(alt) {
    var box = el('div', 'bubble__img bubble__img--broken', alt);
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', alt);
    return box;
  }

  function productCarousel(part) {
    var wrap = el('div', 'carousel');
    wrap.setAttribute('data-testid', 'product-carousel');
    wrap.setAttribute('role', 'group');
    wrap.setAttribute('aria-roledescription', 'carousel');
    wrap.setAttribute('aria-label', part.altText || t.products);
    var track = el('ul', 'carousel__track');
    track.setAttribute('role', 'list');
    var cards = Array.isArray(part.cards) ? part.cards : [];
    cards.forEach(function (card) {
      track.appendChild(productCard(card || {}));
    });
    wrap.appendChild(track);

    var prev = el('button', 'carousel__nav carousel__nav--prev');
    prev.type = 'button';
    prev.setAttribute('aria-label', t.prev);
    prev.setAttribute('data-testid', 'carousel-prev');
    var next = el('button', 'carousel__nav carousel__nav--next');
    next.type = 'button';
    next.setAttribute('aria-label', t.next);
    next.setAttribute('data-testid', 'carousel-next');
    wrap.appendChild(prev);
    wrap.appendChild(next);
    function step(dir) {
      var first = track.querySelector('.card');
      var by = first ? first.getBoundingClientRect().width + 10 : track.clientWidth * 0.8;
      track.scrollBy({ left: dir * by, behavior: 'smooth' });
    }
    function updateNav() {
      var max = track.scrollWidth - track.clientWidth;
      prev.hidden = track.scrollLeft <= 4;
      next.hidden = track.scrollLeft >= max - 4;
    }
    prev.addEventListener('click', function () { step(-1); });
    next.addEventListener('click', function () { step(1); });
    track.addEventListener('scroll', updateNav, { passive: true });
    window.addEventListener('resize', updateNav);
    requestAnimationFrame(updateNav);
    return wrap;
  }

  function productCard(card) {
    var inStock = card.inStock !== false;
    var li = el('li', 'card' + (inStock ? '' : ' card--out'));
    li.setAttribute('data-testid', 'product-card');
    if (card.sku) li.setAttribute('data-sku', String(card.sku));
    if (!inStock) li.setAttribute('data-out-of-stock', '');

    var media = el('div', 'card__media');
    var src = safeUrl(card.imageUrl, true);
    if (src) {
      var img = el('img', 'card__img');
      img.alt = card.title ? String(card.title) : t.photo;
      img.loading = 'lazy';
      img.decoding = 'async';
      img.addEventListener('error', function () {
        img.remove();
        media.classList.add('card__media--empty');
      });
      img.src = src;
      media.appendChild(img);
    } else {
      media.classList.add('card__media--empty');
      media.setAttribute('role', 'img');
      media.setAttribute('aria-label', t.noImage);
    }
    li.appendChild(media);

    var body = el('div', 'card__body');
    body.appendChild(el('h3', 'card__title', card.title || ''));
    if (card.subtitle) body.appendChild(el('p', 'card__subtitle', card.subtitle));
    var line = el('div', 'card__line');
    line.appendChild(el('span', 'card__price', card.price || ''));
    if (card.stockLabel) {
      var badge = el('span', 'badge ' + (inStock ? 'badge--in' : 'badge--out'), card.stockLabel);
      badge.setAttribute('data-testid', 'stock-badge');
      line.appendChild(badge);
    }
    body.appendChild(line);
    li.appendChild(body);

    var buttons = Array.isArray(card.buttons) ? card.buttons : [];
    if (buttons.length) {
      var actions = el('div', 'card__actions');
      buttons.forEach(function (b, i) {
        if (!b || !b.command) return;
        var btn = el('button', 'card__button' + (i === 0 && inStock ? ' card__button--primary' : ''), b.label || b.command);
        btn.type = 'button';
        btn.setAttribute('data-testid', 'card-button');
        btn.setAttribute('data-command', String(b.command));
        btn.addEventListener('click', function () {
          sendText(String(b.command), String(b.label || b.command));
        });
        actions.appendChild(btn);
      });
      li.appendChild(actions);
    }
    return li;
  }

  function renderPart(from, part) {
    if (!part || typeof part !== 'object') return null;
    switch (part.type) {
      case 'text':
        return textBubble(from, part.text);
      case 'image':
        return imageBubble(from, part.url, part.altText, part.caption);
      case 'products':
        return productCarousel(part);
      default:
        // An unknown part from a newer server: show its alternative text rather than nothing.
        return part.altText || part.text ? textBubble(from, part.altText || part.text) : null;
    }
  }

  // ---------- quick replies ----------

  function clearChips() {
    if (chipsEl && chipsEl.parentNode) chipsEl.parentNode.removeChild(chipsEl);
    chipsEl = null;
  }

  function showChips(buttons) {
    clearChips();
    var valid = (buttons || []).filter(function (b) { return b && b.command; });
    if (!valid.length) return;
    chipsEl = el('div', 'chips');
    chipsEl.setAttribute('data-testid', 'quick-replies');
    chipsEl.setAttribute('role', 'group');
    chipsEl.setAttribute('aria-label', t.quickReplies);
    valid.forEach(function (b) {
      var chip = el('button', 'chip', b.label || b.command);
      chip.type = 'button';
      chip.setAttribute('data-testid', 'quick-reply');
      chip.setAttribute('data-command', String(b.command));
      chip.addEventListener('click', function () {
        sendText(String(b.command), String(b.label || b.command));
      });
      chipsEl.appendChild(chip);
    });
    list.appendChild(chipsEl);
  }

  /** Quick replies of a bot message: those of its last part that has any (as LINE does). */
  function buttonsOf(parts) {
    for (var i = parts.length - 1; i >= 0; i--) {
      var p = parts[i];
      if (p && Array.isArray(p.buttons) && p.buttons.length) return p.buttons;
    }
    return [];
  }

  // ---------- welcome ----------

  function showWelcome() {
    if (welcomeEl) return;
    welcomeEl = el('section', 'welcome');
    welcomeEl.setAttribute('data-testid', 'welcome');
    welcomeEl.appendChild(el('span', 'avatar avatar--welcome', null)).setAttribute('aria-hidden', 'true');
    welcomeEl.appendChild(el('h2', 'welcome__title', t.welcomeTitle.replace('{shop}', shopName || '')));
    welcomeEl.appendChild(el('p', 'welcome__body', t.welcomeBody));
    list.insertBefore(welcomeEl, list.firstChild);
    showChips(t.chips);
  }

  // ---------- messages from the server ----------

  function receive(messages) {
    var lastFrom = null;
    var lastBotParts = null;
    var added = 0;
    var botAdded = 0;
    messages.forEach(function (m) {
      if (!m || typeof m.id !== 'string') return;
      var parts = Array.isArray(m.parts) ? m.parts : [];
      var from = m.from === 'me' ? 'me' : 'bot';
      lastFrom = from;
      lastBotParts = from === 'bot' ? parts : null;
      var existing = rows.get(m.id);
      if (existing) {
        // The visitor's own message coming back: it is already on screen, only confirm it.
        if (from === 'me') {
          unconfirmed.delete(m.id);
          setSendState(existing, 'sent');
        }
        return;
      }
      var row = makeRow(from, m.id, parseTime(m.at));
      if (from === 'me') row.setAttribute('data-state', 'sent');
      parts.forEach(function (p) {
        var node = renderPart(from, p);
        if (node) addToRow(row, node);
      });
      added++;
      if (from === 'bot') botAdded++;
    });
    if (lastFrom === 'bot' && unconfirmed.size === 0) showChips(buttonsOf(lastBotParts));
    else if (lastFrom === 'me') clearChips();
    if (added) afterAppend(false);
    if (botAdded && document.hidden) {
      unread += botAdded;
      document.title = '(' + unread + ') ' + baseTitle;
    }
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) {
      unread = 0;
      document.title = baseTitle;
      wakeSleepers();
    }
  });
  window.addEventListener('online', wakeSleepers);
  window.addEventListener('offline', function () {
    if (loaded) setConnection('reconnecting');
  });

  function wakeSleepers() {
    Array.from(sleepers).forEach(function (done) { done(); });
  }

  async function pollForever() {
    var failures = 0;
    for (;;) {
      // A poll the server holds open proves it is reachable: do not say "reconnecting" for its 25 s.
      var held = loaded
        ? setTimeout(function () {
          if (navigator.onLine !== false) setConnection('online');
        }, HELD_POLL_MS)
        : null;
      var started = Date.now();
      try {
        var url = API + '/messages?lang=' + lang + (cursor === null ? '' : '&after=' + encodeURIComponent(cursor));
        var res = await fetchWithTimeout(
          url,
          { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' },
          POLL_TIMEOUT_MS,
        ).finally(function () { clearTimeout(held); });
        if (!res.ok) throw new Error('HTTP ' + res.status);
        var body = await res.json();
        var messages = body && Array.isArray(body.messages) ? body.messages : [];
        if (body && (body.lang === 'th' || body.lang === 'en') && body.lang !== lang && body.texts && typeof body.texts === 'object') {
          useLanguage(body.lang, body.texts);
        }
        if (!loaded) {
          loaded = true;
          var loading = byTestId('loading');
          if (loading) loading.remove();
          if (!messages.length) showWelcome();
          receive(messages);
          scrollToBottom();
        } else {
          receive(messages);
        }
        if (body && body.cursor !== undefined && body.cursor !== null) cursor = String(body.cursor);
        failures = 0;
        setConnection('online');
        // A server that answers an empty poll at once (or gives no cursor) must not make this loop spin.
        if (cursor === null || (!messages.length && Date.now() - started < 1000)) await sleep(BACKOFF_MS[0]);
      } catch (e) {
        setConnection(loaded || failures > 0 ? 'reconnecting' : 'connecting');
        await sleep(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]);
        failures++;
      }
    }
  }

  // ---------- sending ----------

  function setSendState(row, state, errorText) {
    row.setAttribute('data-state', state);
    row.querySelectorAll('[data-testid="visitor-bubble"]').forEach(function (b) {
      b.setAttribute('data-state', state);
    });
    var meta = row.querySelector('.meta');
    var note = meta.querySelector('.meta__state');
    if (!note) {
      note = el('span', 'meta__state');
      meta.insertBefore(note, meta.firstChild);
    }
    note.textContent = state === 'sending' ? t.sending : state === 'failed' ? t.failed : '';
    var old = row.querySelector('.send-error');
    if (old) old.remove();
    var retry = meta.querySelector('.meta__retry');
    if (retry) retry.remove();
    if (state === 'failed') {
      if (errorText) {
        var err = el('p', 'send-error', errorText);
        err.setAttribute('role', 'alert');
        err.setAttribute('data-testid', 'send-error');
        row.querySelector('.stack').insertBefore(err, meta);
      }
      var again = retries.get(row);
      if (again) {
        var btn = el('button', 'meta__retry', t.retry);
        btn.type = 'button';
        btn.setAttribute('data-testid', 'retry-button');
        btn.addEventListener('click', again);
        meta.insertBefore(btn, note.nextSibling);
      }
    }
  }

  /**
   * POSTs until the server answers; the message id makes a repeat harmless. Network errors and 5xx are retried
   * with backoff; a 4xx is final and its message (already in the visitor's language) is returned.
   */
  async function postWithRetry(path, makeBody, json) {
    var lastError = t.genericError;
    for (var attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]);
      try {
        var headers = { 'x-csrf-token': csrf, accept: 'application/json' };
        if (json) headers['content-type'] = 'application/json';
        var res = await fetchWithTimeout(
          API + path,
          { method: 'POST', headers: headers, body: makeBody(), credentials: 'same-origin' },
          60000,
        );
        if (res.ok) return { ok: true };
        var message = null;
        try {
          var body = await res.json();
          if (body && body.error && typeof body.error.message === 'string') message = body.error.message;
        } catch (e) {
          /* no JSON body */
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          return { ok: false, message: message || t.genericError, final: true };
        }
        lastError = message || t.genericError;
      } catch (e) {
        lastError = t.genericError;
      }
    }
    return { ok: false, message: lastError, final: false };
  }

  function visitorSent() {
    clearChips();
    pinned = true;
  }

  function sendText(command, label) {
    var text = String(command);
    if (!text.trim()) return;
    var id = uuid();
    var row = makeRow('me', id, new Date());
    addToRow(row, textBubble('me', label === undefined ? text : label));
    visitorSent();
    afterAppend(true);
    var attempt = async function () {
      setSendState(row, 'sending');
      unconfirmed.add(id);
      var r = await postWithRetry('/messages', function () { return JSON.stringify({ id: id, text: text }); }, true);
      // Once accepted, the server has the message: do not wait on its echo to offer quick replies again.
      unconfirmed.delete(id);
      if (r.ok) {
        if (row.getAttribute('data-state') === 'sending') setSendState(row, 'sent');
      } else if (row.getAttribute('data-state') !== 'sent') {
        setSendState(row, 'failed', r.final ? r.message : null);
      }
    };
    retries.set(row, attempt);
    attempt();
  }

  function sendImage(file) {
    var id = uuid();
    var row = makeRow('me', id, new Date());
    var preview = URL.createObjectURL(file);
    var bubble = imageBubble('me', preview, t.yourPhoto);
    addToRow(row, bubble);
    visitorSent();
    afterAppend(true);
    var attempt = async function () {
      setSendState(row, 'sending');
      unconfirmed.add(id);
      var r = await postWithRetry('/images', function () {
        // The id first, so a streaming parser knows it before the file arrives.
        var fd = new FormData();
        fd.append('id', id);
        fd.append('image', file, file.name || 'photo');
        return fd;
      }, false);
      // Once accepted, the server has the message: do not wait on its echo to offer quick replies again.
      unconfirmed.delete(id);
      if (r.ok) {
        if (row.getAttribute('data-state') === 'sending') setSendState(row, 'sent');
      } else if (row.getAttribute('data-state') !== 'sent') {
        // A rejected picture (too big, wrong type) will not pass on a retry either.
        if (r.final) retries.delete(row);
        setSendState(row, 'failed', r.message);
      }
    };
    retries.set(row, attempt);
    attempt();
  }

  // ---------- composer ----------

  /** The page's own labels, in the conversation's language. */
  function applyTexts() {
    input.placeholder = t.placeholder;
    input.setAttribute('aria-label', t.placeholder);
    sendButton.setAttribute('aria-label', t.send);
    sendButton.title = t.send;
    attachButton.setAttribute('aria-label', t.attach);
    attachButton.title = t.attach;
    list.setAttribute('aria-label', t.messages);
    jumpButton.textContent = t.newMessages + ' ↓';
    var state = statusLine.getAttribute('data-state');
    statusLine.textContent = state === 'reconnecting' ? t.reconnecting : state === 'connecting' ? t.connecting : t.online;
    if (welcomeEl) {
      welcomeEl.querySelector('.welcome__title').textContent = t.welcomeTitle.replace('{shop}', shopName || '');
      welcomeEl.querySelector('.welcome__body').textContent = t.welcomeBody;
    }
  }

  /** The customer changed the conversation's language: the page's labels follow from now on. */
  function useLanguage(next, texts) {
    lang = next;
    root.lang = next;
    t = texts;
    locale = next === 'en' ? 'en-GB' : 'th-TH';
    makeFormats();
    applyTexts();
  }

  applyTexts();
  setConnection('connecting');

  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 132) + 'px';
    sendButton.disabled = input.value.trim() === '';
  }

  input.addEventListener('input', autosize);
  input.addEventListener('keydown', function (e) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an input-method candidate is neither.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    submit();
  });

  function submit() {
    var text = input.value;
    if (!text.trim()) return;
    input.value = '';
    autosize();
    sendText(text.replace(/\s+$/, ''));
    input.focus();
  }

  attachButton.addEventListener('click', function () {
    fileInput.click();
  });
  fileInput.addEventListener('change', function () {
    var files = Array.prototype.slice.call(fileInput.files || []);
    fileInput.value = '';
    files.forEach(function (file) {
      if (file.type && file.type.indexOf('image/') !== 0) {
        flash(t.notImage);
        return;
      }
      sendImage(file);
    });
  });

  /** A short note at the bottom of the list, for problems that belong to no message. */
  function flash(text) {
    var note = el('p', 'flash', text);
    note.setAttribute('role', 'alert');
    note.setAttribute('data-testid', 'flash');
    insertBeforeChips(note);
    afterAppend(true);
    setTimeout(function () { note.remove(); }, 5000);
  }

  window.addEventListener('resize', function () {
    if (pinned) scrollToBottom();
  });

  autosize();
  pollForever();
})();

// The chat inbox, live: conversations that move reload the list, new messages join an open
// conversation, the waiting badge follows; the reply box picks saved replies with "/". Every form
// works without this script (plain posts and redirects).
(function () {
  'use strict';
  var list = document.getElementById('inbox-results');
  var page = document.getElementById('inbox-conversation');
  var transcript = document.getElementById('transcript');

  function lastId() {
    var items = transcript ? transcript.querySelectorAll('[data-message]') : [];
    return items.length ? Number(items[items.length - 1].getAttribute('data-message')) : 0;
  }

  var fetching = false;
  var again = false;
  function fetchNew() {
    if (!page || !transcript) return;
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(page.getAttribute('data-messages-url') + '?after=' + lastId(), { headers: { 'hx-request': 'true' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.text() : ''; })
      .then(function (html) {
        if (html.trim()) {
          transcript.insertAdjacentHTML('beforeend', html);
          transcript.lastElementChild.scrollIntoView({ block: 'end' });
        }
      })
      .finally(function () {
        fetching = false;
        if (again) { again = false; fetchNew(); }
      });
  }

  var reloadTimer = null;
  function reloadList() {
    if (!list || !window.htmx) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(function () {
      var current = document.getElementById('inbox-results');
      window.htmx.ajax('GET', current.getAttribute('data-inbox-list'), { target: '#inbox-results', select: '#inbox-results', swap: 'outerHTML' });
    }, 200);
  }

  function setBadge(n) {
    document.querySelectorAll('[data-inbox-waiting]').forEach(function (badge) {
      badge.hidden = !n;
      if (badge.firstChild) badge.firstChild.nodeValue = String(n);
    });
  }

  if (window.EventSource && (list || page)) {
    var source = new EventSource('/admin/inbox/events');
    source.addEventListener('conversation', function (e) {
      var data = JSON.parse(e.data);
      if (list) reloadList();
      if (page && String(data.id) === page.getAttribute('data-conversation') && data.lastMessageId > lastId()) fetchNew();
    });
    source.addEventListener('waiting', function (e) { setBadge(JSON.parse(e.data).n); });
    window.addEventListener('pagehide', function () { source.close(); });
  }

  // After a post through htmx: a reply clears the box and shows itself; a state change redraws the page.
  document.body.addEventListener('inbox-sent', function (e) {
    var detail = e.detail || {};
    document.querySelectorAll('input[name="messageId"]').forEach(function (input) { input.value = detail.messageId || input.value; });
    if (detail.key === 'inboxSent') {
      var box = document.getElementById('reply-text');
      if (box) box.value = '';
      fetchNew();
    } else {
      window.location.reload();
    }
  });

  // Saved replies: "/" at the start of the box lists them, filtered by what follows; a click or Enter picks one.
  var box = document.querySelector('[data-saved-picker]');
  var picker = document.getElementById('saved-picker');
  if (box && picker) {
    var options = Array.prototype.slice.call(picker.querySelectorAll('[data-text]'));
    var visible = function () { return options.filter(function (o) { return !o.hidden; }); };
    var pick = function (option) {
      box.value = option.getAttribute('data-text');
      picker.hidden = true;
      box.focus();
    };
    box.addEventListener('input', function () {
      var value = box.value;
      if (value.charAt(0) !== '/') { picker.hidden = true; return; }
      var q = value.slice(1).toLowerCase();
      options.forEach(function (o) { o.hidden = q !== '' && o.textContent.toLowerCase().indexOf(q) < 0; });
      picker.hidden = visible().length === 0;
    });
    box.addEventListener('keydown', function (e) {
      if (picker.hidden || e.key !== 'Enter') return;
      var first = visible()[0];
      if (first) { e.preventDefault(); pick(first); }
    });
    picker.addEventListener('click', function (e) {
      var option = e.target.closest('[data-text]');
      if (option) pick(option);
    });
  }

  if (transcript && transcript.lastElementChild) transcript.lastElementChild.scrollIntoView({ block: 'end' });
})();

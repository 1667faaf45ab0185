/**
 * A y axis from zero in whole steps: money in whole baht, counts in whole orders, at most six ticks; an
 * empty chart gets a small fixed scale instead of fractions that round to "฿1 ฿1 ฿0".
 */
function moneyAxis(money, seriesList, extra) {
  var max = 0;
  seriesList.forEach(function (list) { list.forEach(function (v) { if (v > max) max = v; }); });
  var axis = { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 6 } };
  if (max === 0) axis.suggestedMax = money ? 1000 : 5;
  if (money) axis.ticks.callback = function (v) { return money.format(v); };
  Object.keys(extra || {}).forEach(function (k) { axis[k] = extra[k]; });
  return axis;
}

// Talad back office: the little the server cannot do. The pages work without it; this adds the
// mobile menu, select-all, the charts and live order events.
(function () {
  'use strict';
  var body = document.body;

  // Mobile menu: the sidebar is a drawer below 900px.
  document.addEventListener('click', function (e) {
    var toggle = e.target.closest && e.target.closest('[data-nav-toggle]');
    var sidebar = document.getElementById('sidebar');
    if (!sidebar) return;
    if (toggle) {
      var open = sidebar.classList.toggle('open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    } else if (sidebar.classList.contains('open') && !sidebar.contains(e.target)) {
      sidebar.classList.remove('open');
      var button = document.querySelector('[data-nav-toggle]');
      if (button) button.setAttribute('aria-expanded', 'false');
    }
  });

  // Select all orders on the page (delegated: the table is swapped by htmx when filtering).
  document.addEventListener('change', function (e) {
    if (!e.target.matches || !e.target.matches('[data-select-all]')) return;
    document.querySelectorAll('input[name="numbers"][form="bulk-form"]').forEach(function (box) {
      box.checked = e.target.checked;
    });
  });

  // Charts: the data sits in the canvas' data-chart attribute (escaped by the template, no inline script).
  var palette = { line: '#06c755', telegram: '#229ed9', webchat: '#0f766e', manual: '#64748b', shopee: '#ee4d2d', lazada: '#1a237e', tiktok: '#111827', api: '#a855f7' };
  function drawCharts() {
    if (!window.Chart) return;
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = '1';
      var data = JSON.parse(canvas.dataset.chart);
      var series = canvas.dataset.series;
      var money = new Intl.NumberFormat(data.locale, { style: 'currency', currency: data.currency, maximumFractionDigits: 0 });
      new window.Chart(canvas, {
        type: 'bar',
        data: {
          labels: data.days,
          datasets: data.datasets.map(function (d) {
            return { label: d.label, data: d[series] || [], backgroundColor: palette[d.channel] || '#94a3b8', borderRadius: 3 };
          }),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
          scales: {
            x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
            y: moneyAxis(series === 'revenue' ? money : null, data.datasets.map(function (d) { return d[series] || []; }), { stacked: true }),
          },
        },
      });
    });
  }
  drawCharts();

  // Sound for new orders: off unless this browser asked for it; the tick is the user gesture audio needs.
  var audio = null;
  var soundBox = document.querySelector('[data-sound-toggle]');
  if (soundBox) {
    soundBox.checked = localStorage.getItem('talad-sound') === 'on';
    soundBox.addEventListener('change', function () {
      localStorage.setItem('talad-sound', soundBox.checked ? 'on' : 'off');
      if (soundBox.checked) beep();
    });
  }
  function beep() {
    if (!soundBox || !soundBox.checked) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch (err) {
      // No audio here; the badge and the toast still tell.
    }
  }

  // Live order events (server-sent, polled from the database every 2 s on the server).
  var unseen = 0;
  function bumpBadge() {
    unseen += 1;
    var badge = document.getElementById('live-badge');
    if (badge) {
      badge.textContent = body.dataset.lang === 'th' ? 'ใหม่ ' + unseen : unseen + ' new';
      badge.hidden = false;
    }
    var count = document.querySelector('[data-live-count]');
    if (count) {
      count.textContent = String(unseen);
      count.hidden = false;
    }
  }
  function toast(template, number) {
    var box = document.getElementById('toasts');
    if (!box || !template) return;
    var parts = template.split('{number}');
    var item = document.createElement('div');
    item.className = 'toast';
    item.setAttribute('role', 'status');
    item.appendChild(document.createTextNode(parts[0] || ''));
    var link = document.createElement('a');
    link.href = '/admin/orders/' + encodeURIComponent(number);
    link.textContent = number;
    item.appendChild(link);
    item.appendChild(document.createTextNode(parts[1] || ''));
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
  }
  // Fetches one row as the server draws it and puts it in place: replaced where it is, else on top of a live list.
  function placeRow(number, prepend) {
    var tbody = document.getElementById('order-rows');
    if (!tbody) return Promise.resolve(false);
    var existing = document.getElementById('order-' + number);
    if (!existing && !(prepend && tbody.dataset.live === 'true')) return Promise.resolve(false);
    return fetch('/admin/orders/' + encodeURIComponent(number) + '/row', { headers: { 'HX-Request': 'true', Accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (res) {
        if (res.status === 204) {
          if (existing) existing.remove();
          return false;
        }
        if (!res.ok) return false;
        return res.text().then(function (html) {
          var tpl = document.createElement('template');
          tpl.innerHTML = html.trim();
          var row = tpl.content.querySelector('tr');
          if (!row) return false;
          var again = document.getElementById('order-' + number);
          if (again) again.replaceWith(row);
          else tbody.insertBefore(row, tbody.firstChild);
          row.classList.add('fresh');
          var empty = document.getElementById('orders-empty');
          if (empty) empty.remove();
          return true;
        });
      })
      .catch(function () { return false; });
  }
  if (body.dataset.events && window.EventSource) {
    var url = body.dataset.events + (body.dataset.eventsSince ? '?since=' + encodeURIComponent(body.dataset.eventsSince) : '');
    var source = new EventSource(url);
    source.addEventListener('order', function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (data.kind === 'new' || data.kind === 'to_pack') {
        placeRow(data.number, true).then(function (placed) { if (!placed) bumpBadge(); });
        toast(data.kind === 'new' ? body.dataset.textNew : body.dataset.textToPack, data.number);
        beep();
      } else if (data.kind === 'slip') {
        placeRow(data.number, false);
        bumpBadge();
        toast(body.dataset.textSlip, data.number);
        beep();
      } else {
        placeRow(data.number, false);
      }
    });
    window.addEventListener('pagehide', function () { source.close(); });
  }
})();

// ---- stock: barcode scanning ----
// A scanner types the code and presses Enter. In an input with data-scan, Enter never submits the form
// half-filled: the code is looked up (data-scan is the lookup address), the product is shown in
// data-scan-target, the SKU replaces what was typed, and the focus moves on to data-scan-next.
(function () {
  'use strict';
  document.addEventListener('keydown', function (e) {
    var input = e.target;
    if (e.key !== 'Enter' || !input || !input.matches || !input.matches('input[data-scan]')) return;
    e.preventDefault();
    var code = input.value.trim();
    var out = input.dataset.scanTarget ? document.getElementById(input.dataset.scanTarget) : null;
    if (!code) return;
    input.setAttribute('aria-busy', 'true');
    fetch(input.dataset.scan + '?code=' + encodeURIComponent(code), { headers: { 'HX-Request': 'true', Accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        if (out) out.innerHTML = html;
        var found = out ? out.querySelector('[data-scan-sku]') : null;
        if (found) {
          input.value = found.getAttribute('data-scan-sku');
          input.removeAttribute('aria-invalid');
          var next = input.dataset.scanNext ? document.getElementById(input.dataset.scanNext) : null;
          if (next) {
            next.focus();
            if (next.select) next.select();
          }
        } else {
          input.setAttribute('aria-invalid', 'true');
          input.select();
        }
      })
      .catch(function () { input.setAttribute('aria-invalid', 'true'); })
      .then(function () { input.removeAttribute('aria-busy'); });
  });
})();

// ---- reports: the sales chart (revenue bars, orders line); the data sits in data-report-chart ----
(function () {
  'use strict';
  function drawReportCharts() {
    if (!window.Chart) return;
    document.querySelectorAll('canvas[data-report-chart]').forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = '1';
      var data = JSON.parse(canvas.dataset.reportChart);
      var money = new Intl.NumberFormat(data.locale, { style: 'currency', currency: data.currency, maximumFractionDigits: 0 });
      new window.Chart(canvas, {
        data: {
          labels: data.labels,
          datasets: [
            { type: 'bar', label: data.labelRevenue, data: data.revenue, backgroundColor: '#0f766e', borderRadius: 3, yAxisID: 'revenue' },
            { type: 'line', label: data.labelOrders, data: data.orders, borderColor: '#b45309', backgroundColor: '#b45309', tension: 0.2, yAxisID: 'orders' },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
          scales: {
            x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
            revenue: moneyAxis(money, [data.revenue], { position: 'left' }),
            orders: moneyAxis(null, [data.orders], { position: 'right', grid: { drawOnChartArea: false } }),
          },
        },
      });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawReportCharts);
  else drawReportCharts();
})();

// ---- date fields: typed as people write dates ("6 ธ.ค. 2569"); a calendar button fills them ----
(function () {
  'use strict';
  var lang = document.body.dataset.lang === 'en' ? 'en-GB' : 'th-TH';
  var shown = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
  function enhance(root) {
    root.querySelectorAll('input[data-date-input]').forEach(function (input) {
      if (input.dataset.enhanced) return;
      input.dataset.enhanced = '1';
      var picker = document.createElement('input');
      picker.type = 'date';
      picker.className = 'date-picker';
      picker.tabIndex = -1;
      picker.setAttribute('aria-hidden', 'true');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'date-button';
      button.textContent = '📅';
      button.setAttribute('aria-label', input.dataset.pickLabel || '');
      button.title = input.dataset.pickLabel || '';
      button.addEventListener('click', function () {
        if (typeof picker.showPicker === 'function') picker.showPicker();
        else picker.click();
      });
      picker.addEventListener('change', function () {
        if (!picker.value) return;
        input.value = shown.format(new Date(picker.value + 'T00:00:00Z'));
        input.dispatchEvent(new Event('change', { bubbles: true }));
      });
      var wrap = document.createElement('span');
      wrap.className = 'date-field';
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      wrap.appendChild(button);
      wrap.appendChild(picker);
    });
  }
  enhance(document);
  document.addEventListener('htmx:afterSwap', function (e) { enhance(e.target); });
})();

// New order: the ship-to name, phone and address follow the customer picked (their last address) or
// typed as new, until staff change them by hand.
(function () {
  var form = document.getElementById('entry-form');
  if (!form) return;
  var fields = { name: form.querySelector('[name="shipName"]'), phone: form.querySelector('[name="shipPhone"]'), address: form.querySelector('[name="shipAddress"]'), postcode: form.querySelector('[name="shipPostcode"]') };
  function fill(key, value) {
    var field = fields[key];
    if (!field || value === undefined) return;
    // Only what is empty, or what was filled in here before: never what staff typed.
    if (field.value === '' || field.dataset.filled === field.value) {
      field.value = value;
      field.dataset.filled = value;
    }
  }
  document.addEventListener('change', function (e) {
    var box = e.target;
    if (!box || box.name !== 'customerId' || !box.checked) return;
    var choice = box.closest('[data-customer]');
    if (!choice) return;
    fill('name', choice.dataset.shipName);
    fill('phone', choice.dataset.shipPhone);
    fill('address', choice.dataset.shipAddress);
    fill('postcode', choice.dataset.shipPostcode);
  });
  form.addEventListener('input', function (e) {
    if (e.target.name === 'newName') fill('name', e.target.value);
    if (e.target.name === 'newPhone') fill('phone', e.target.value);
  });
})();

// Sluice's dashboard: polls data (the admin port's /dashboard/data) once a second and draws it.
// Every value from the server is written with textContent, never as HTML.
(() => {
  'use strict';

  const POLL_MS = 1000;
  const HISTORY = 300;          // points kept per series: five minutes at one poll a second
  const MAX_RULE_ROWS = 200;    // rows of the rules table drawn (the busiest, after the filter)
  const RULE_CHARTS = 6;        // per-rule charts, for the busiest rules
  const MAX_CLIENT_CHARS = 120; // a client longer than this is shown cut, whole in its title
  const SERIES = [
    { key: 'allowed', label: 'Allowed', color: '#1a7f37', dash: [] },
    { key: 'refused', label: 'Refused', color: '#cf222e', dash: [] },
    { key: 'shadow', label: 'Shadow', color: '#8250df', dash: [8, 4] },
    { key: 'near', label: 'Near limit', color: '#9a6700', dash: [2, 3] },
    { key: 'degraded', label: 'Degraded', color: '#0969da', dash: [12, 4, 2, 4] },
  ];
  const RULE_SERIES = SERIES.slice(0, 4);

  const $ = (id) => document.getElementById(id);
  const errors = [];
  function showError(message) {
    errors.push(message);
    const box = $('errors');
    box.hidden = false;
    box.textContent = errors.slice(-5).join('\n');
  }
  window.addEventListener('error', (e) => showError('Script error: ' + e.message));
  window.addEventListener('unhandledrejection', (e) => showError('Script error: ' + e.reason));

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function cut(text, max) {
    const chars = Array.from(String(text)); // whole code points: never half a surrogate pair
    return chars.length <= max ? chars.join('') : chars.slice(0, max - 1).join('') + '…';
  }

  const rate = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

  // ---- state

  let rulesVersion = '';
  let rules = [];               // {domain, descriptor, metricKey, limit, shadow}
  let previous = null;          // {at, counts: Map, degraded}
  let rates = new Map();        // metricKey -> {allowed, refused, shadow, near}
  const times = [];
  const totals = Object.fromEntries(SERIES.map((s) => [s.key, []]));
  const perRule = new Map();    // metricKey -> {series: {...}, chart, box}
  let polls = 0;

  // ---- charts

  function chartOptions(series, width, height) {
    return {
      width, height,
      scales: { x: { time: true } },
      axes: [{}, { label: 'per second', size: 60 }],
      series: [{}].concat(series.map((s) => ({
        label: s.label, stroke: s.color, width: 2, dash: s.dash, points: { show: false },
      }))),
    };
  }

  const widthOf = (node, fallback) => Math.max(280, node.clientWidth || fallback);
  const allBox = $('chart-all');
  const allChart = new uPlot(chartOptions(SERIES, widthOf(allBox, 900), 260),
      [[]].concat(SERIES.map(() => [])), allBox);

  function ruleChart(metricKey) {
    let entry = perRule.get(metricKey);
    if (entry && entry.chart) return entry;
    if (!entry) entry = { series: emptySeries(), chart: null, box: null };
    const box = el('figure');
    box.dataset.rule = metricKey;
    box.appendChild(el('h3', metricKey));
    const plot = el('div', null, 'chart');
    plot.setAttribute('role', 'img');
    plot.setAttribute('aria-label', metricKey + ': decisions per second');
    box.appendChild(plot);
    $('rule-charts').appendChild(box);
    entry.chart = new uPlot(chartOptions(RULE_SERIES, widthOf(plot, 420), 160),
        [[]].concat(RULE_SERIES.map(() => [])), plot);
    entry.box = box;
    perRule.set(metricKey, entry);
    return entry;
  }

  function emptySeries() {
    const s = Object.fromEntries(RULE_SERIES.map((x) => [x.key, new Array(times.length).fill(0)]));
    return s;
  }

  window.addEventListener('resize', () => {
    allChart.setSize({ width: widthOf(allBox, 900), height: 260 });
    for (const e of perRule.values()) {
      if (e.chart) e.chart.setSize({ width: widthOf(e.box, 420), height: 160 });
    }
  });

  // ---- one poll

  function countsOf(decisions) {
    const counts = new Map();
    for (const d of decisions) {
      counts.set(d.domain + '.' + descriptorOf(d), {
        allowed: (d.ok || 0) + (d.near_limit || 0),
        refused: d.over_limit || 0,
        shadow: d.shadow_over_limit || 0,
        near: d.near_limit || 0,
      });
    }
    return counts;
  }

  // envoy's metric key is domain.descriptor; the decision rows carry the whole key
  const descriptorOf = (d) => (d.descriptor.startsWith(d.domain + '.')
      ? d.descriptor.slice(d.domain.length + 1) : d.descriptor);

  function sumDegraded(backend) {
    return Object.values(backend.degraded || {}).reduce((a, b) => a + b, 0);
  }

  function update(data) {
    polls += 1;
    if (data.domains) {
      rulesVersion = data.rulesVersion;
      $('tree').textContent = data.tree;
      rules = [];
      for (const d of data.domains) {
        for (const r of d.rules) {
          rules.push({ domain: d.name, descriptor: r.descriptor, metricKey: r.metricKey,
            limit: r.limit, shadow: r.shadow });
        }
      }
    }
    const now = data.nowMillis;
    const counts = countsOf(data.decisions);
    const degraded = sumDegraded(data.backend);
    const step = { allowed: 0, refused: 0, shadow: 0, near: 0, degraded: 0 };
    rates = new Map();
    if (previous && now > previous.at) {
      const dt = (now - previous.at) / 1000;
      for (const [key, c] of counts) {
        const p = previous.counts.get(key) || { allowed: 0, refused: 0, shadow: 0, near: 0 };
        const r = {};
        for (const s of RULE_SERIES) {
          r[s.key] = Math.max(0, c[s.key] - p[s.key]) / dt;
          step[s.key] += r[s.key];
        }
        rates.set(key, r);
      }
      step.degraded = Math.max(0, degraded - previous.degraded) / dt;
      record(now, step);
    }
    previous = { at: now, counts, degraded };
    drawTotals(step);
    drawRuleCharts();
    drawRules();
    drawTop(data.top || []);
    drawBackend(data.backend, data.rulesLoaded);
    drawReloads(data.reloads || []);
    $('updated').textContent = new Date(now).toLocaleTimeString();
    $('updated').dateTime = new Date(now).toISOString();
    document.body.dataset.polls = String(polls);
  }

  function record(now, step) {
    times.push(now / 1000);
    for (const s of SERIES) totals[s.key].push(step[s.key]);
    for (const [key, e] of perRule) {
      const r = rates.get(key) || {};
      for (const s of RULE_SERIES) e.series[s.key].push(r[s.key] || 0);
    }
    if (times.length > HISTORY) {
      times.shift();
      for (const s of SERIES) totals[s.key].shift();
      for (const e of perRule.values()) for (const s of RULE_SERIES) e.series[s.key].shift();
    }
    allChart.setData([times.slice()].concat(SERIES.map((s) => totals[s.key].slice())));
    for (const s of SERIES) {
      allBox.dataset['max' + s.key[0].toUpperCase() + s.key.slice(1)] =
          String(Math.max(0, ...totals[s.key]));
    }
  }

  function drawTotals(step) {
    $('total-allowed').textContent = rate(step.allowed);
    $('total-refused').textContent = rate(step.refused);
    $('total-shadow').textContent = rate(step.shadow);
    $('total-near').textContent = rate(step.near);
    $('total-degraded').textContent = rate(step.degraded);
  }

  const activity = (r) => (r ? r.allowed + r.refused + r.shadow : 0);

  function drawRuleCharts() {
    const busiest = [...rates.entries()]
        .filter(([, r]) => activity(r) > 0)
        .sort((a, b) => activity(b[1]) - activity(a[1]))
        .slice(0, RULE_CHARTS)
        .map(([key]) => key);
    for (const key of busiest) {
      if (!perRule.has(key) || !perRule.get(key).chart) {
        const e = ruleChart(key);
        // a new chart starts with the history it missed as zeros
        for (const s of RULE_SERIES) {
          while (e.series[s.key].length < times.length) e.series[s.key].unshift(0);
          e.series[s.key][e.series[s.key].length - 1] = (rates.get(key) || {})[s.key] || 0;
        }
      }
    }
    for (const [key, e] of perRule) {
      if (!busiest.includes(key) && perRule.size > RULE_CHARTS) {
        e.chart.destroy(); // a rule no longer among the busiest: its chart goes
        e.box.remove();
        perRule.delete(key);
        continue;
      }
      e.chart.setData([times.slice()].concat(RULE_SERIES.map((s) => e.series[s.key].slice())));
    }
  }

  function drawRules() {
    const filter = $('rule-filter').value.trim().toLowerCase();
    const shown = rules
        .filter((r) => !filter || (r.domain + ' ' + r.descriptor).toLowerCase().includes(filter))
        .map((r) => ({ rule: r, rate: rates.get(r.metricKey) }))
        .sort((a, b) => activity(b.rate) - activity(a.rate)
            || a.rule.metricKey.localeCompare(b.rule.metricKey));
    const body = document.createDocumentFragment();
    for (const { rule, rate: r } of shown.slice(0, MAX_RULE_ROWS)) {
      const tr = el('tr');
      tr.dataset.rule = rule.metricKey;
      tr.appendChild(el('td', rule.domain));
      tr.appendChild(el('td', rule.descriptor + (rule.shadow ? ' (shadow)' : '')));
      tr.appendChild(el('td', rule.limit));
      for (const s of RULE_SERIES) tr.appendChild(el('td', rate(r ? r[s.key] : 0), 'num'));
      body.appendChild(tr);
    }
    const tbody = $('rules').tBodies[0];
    tbody.replaceChildren(body);
    $('rules-count').textContent = shown.length > MAX_RULE_ROWS
        ? `The ${MAX_RULE_ROWS} busiest of ${shown.length} rules; filter to see others.`
        : `${shown.length} of ${rules.length} rules.`;
  }

  function drawTop(tables) {
    $('top-empty').hidden = tables.length > 0;
    const out = document.createDocumentFragment();
    for (const t of tables) {
      const box = el('div');
      box.appendChild(el('h3', t.domain + ' · ' + t.descriptor + ' — ' + t.total + ' refused'));
      const table = el('table');
      const head = el('tr');
      for (const h of ['Client', 'Refused', '±']) head.appendChild(el('th', h));
      head.children[1].className = 'num';
      head.children[2].className = 'num';
      head.children[0].scope = 'col';
      table.appendChild(el('thead')).appendChild(head);
      const body = table.appendChild(el('tbody'));
      for (const row of t.rows) {
        const tr = el('tr');
        const client = el('td', cut(row.client, MAX_CLIENT_CHARS), 'client');
        client.title = row.client;
        tr.appendChild(client);
        tr.appendChild(el('td', row.count, 'num'));
        tr.appendChild(el('td', row.error, 'num'));
        body.appendChild(tr);
      }
      box.appendChild(table);
      out.appendChild(box);
    }
    $('top').replaceChildren(out);
  }

  function drawBackend(backend, rulesLoaded) {
    const state = $('backend-state');
    state.textContent = backend.state;
    state.className = 'pill ' + (backend.state === 'up' ? 'up' : 'down');
    $('backend-uri').textContent = backend.uri + ' (' + backend.mode + ')';
    const facts = document.createDocumentFragment();
    const fact = (k, v) => { facts.appendChild(el('dt', k)); facts.appendChild(el('dd', v)); };
    fact('Backend', backend.uri);
    fact('Mode', backend.mode);
    fact('State', backend.state);
    fact('Circuit breaker', backend.circuit);
    fact('Rules loaded', rulesLoaded ? 'yes' : 'no');
    const degraded = Object.entries(backend.degraded || {});
    fact('Degraded answers', degraded.length === 0 ? 'none'
        : degraded.map(([k, v]) => `${k}: ${v}`).join(', '));
    for (const [k, v] of Object.entries(backend.eventual || {})) fact('Eventual ' + k, v);
    $('backend').replaceChildren(facts);
  }

  function drawReloads(reloads) {
    const list = document.createDocumentFragment();
    for (const r of reloads) {
      const li = el('li', `${new Date(r.at).toLocaleString()}: `
          + (r.ok ? `loaded, ${r.domains} domain(s)` : 'failed, kept the last good rules'),
          r.ok ? '' : 'failed');
      if (r.errors.length) {
        const ul = li.appendChild(el('ul'));
        for (const e of r.errors) ul.appendChild(el('li', cut(e, 400)));
      }
      list.appendChild(li);
    }
    $('reloads').replaceChildren(list);
  }

  // ---- polling: one request at a time, the next a second after the last answer

  async function poll() {
    try {
      const response = await fetch('data?rules=' + encodeURIComponent(rulesVersion),
          { cache: 'no-store' });
      if (!response.ok) throw new Error('data answered ' + response.status);
      update(await response.json());
      state('up');
    } catch (e) {
      state(String(e.message || e));
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  function state(problem) {
    if (problem !== 'up') $('backend-state').textContent = 'unreachable: ' + cut(problem, 80);
  }

  $('rule-filter').addEventListener('input', drawRules);

  $('reload-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = $('reload-result');
    try {
      const response = await fetch('../v1/reload', {
        method: 'POST', headers: { authorization: 'Bearer ' + $('token').value },
      });
      const body = await response.json().catch(() => ({}));
      out.textContent = response.ok ? (body.ok ? 'Reloaded.' : 'Reload failed: ' + body.error)
          : 'Refused (' + response.status + '): ' + (body.error || '');
    } catch (err) {
      out.textContent = 'Reload failed: ' + err.message;
    }
  });

  poll();
})();

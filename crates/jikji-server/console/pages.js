// Console pages: login, domains, usage, users and tokens, audit log, password change.
import { api, login, can, session, logout } from './api.js';
import { t } from './i18n.js';
import { h, put, toast, showError, confirmDialog, copyField, table, field, fmtTime } from './ui.js';

export const DOC_KINDS = ['receipt', 'name-card', 'biz-license', 'credit-card', 'id-card', 'passport'];

export function loginPage(done) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, id: 'login-user' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'login-pass' });
  const msg = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'card narrow',
    onsubmit: async (e) => {
      e.preventDefault();
      msg.textContent = '';
      try {
        await login(user.value, pass.value);
        done();
      } catch (err) {
        msg.textContent = err.status === 429 ? t('throttled') : t('login_failed');
      }
    },
  }, h('h1', {}, t('login')), field(t('username'), user), field(t('password'), pass), msg,
  h('button', { type: 'submit', class: 'primary' }, t('login')));
  setTimeout(() => user.focus(), 0);
  return form;
}

export function passwordPage(main) {
  const cur = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
  put(main, h('form', {
    class: 'card narrow',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', '/admin/v1/session/password', { current_password: cur.value, new_password: next.value });
        toast(t('password_changed'));
        await logout().catch(() => {});
        location.hash = '#/login';
      } catch (err) { showError(err); }
    },
  }, h('h1', {}, t('change_password')), field(t('current_password'), cur), field(t('new_password'), next),
  h('button', { type: 'submit', class: 'primary' }, t('save'))));
}

/** The operations a domain serves, as URL suffixes. */
export function operations(d) {
  if (d.kind === 'general') return ['general'];
  if (d.kind === 'template') return ['infer'];
  return d.document_kinds.map((k) => `document/${k}`);
}

function curlLine(d, op) {
  const url = `${location.origin}${d.invoke_path}/${op}`;
  const msg = JSON.stringify({ version: 'V2', requestId: '1', timestamp: 0, images: [{ format: 'jpg', name: 'page' }] });
  return `curl -s ${url} -H 'X-OCR-SECRET: <secret>' -F 'message=${msg}' -F 'file=@page.jpg'`;
}

function invokeBlock(d) {
  return h('div', { class: 'invoke' }, h('h3', {}, t('invoke_urls')),
    operations(d).map((op) => h('div', {},
      copyField(`${location.origin}${d.invoke_path}/${op}`, `${t('invoke_urls')} ${op}`),
      copyField(curlLine(d, op), `curl ${op}`))));
}

function secretBlock(secret, label) {
  return h('div', { class: 'secret card', role: 'alert', 'data-testid': 'secret' }, h('strong', {}, label || t('secret_once')), copyField(secret, label || t('secret_once')));
}

function numberOrNull(v) { return v.trim() === '' ? null : Number(v); }

/** The create/edit form of a domain (`d` undefined: create). */
function domainForm(d, onDone) {
  const name = h('input', { name: 'name', required: true, maxlength: 200, value: d ? d.name : '' });
  const kind = h('select', { name: 'kind', disabled: !!d },
    ['general', 'template', 'document'].map((k) => h('option', { value: k, selected: d && d.kind === k }, t(k))));
  const lang = h('input', { name: 'lang', value: d ? d.lang : 'ko', pattern: '[A-Za-z0-9\\-]{1,16}(,[A-Za-z0-9\\-]{1,16})*' });
  const tables = h('input', { type: 'checkbox', name: 'table_detection', checked: d && d.table_detection });
  const kinds = DOC_KINDS.map((k) => h('input', { type: 'checkbox', value: k, checked: d ? d.document_kinds.includes(k) : true }));
  const kindsBox = h('fieldset', { class: 'kinds' }, h('legend', {}, t('document_kinds')),
    kinds.map((c) => h('label', {}, c, ` ${c.value}`)));
  const rate = h('input', { name: 'rate', type: 'number', min: 0, step: 'any', placeholder: t('unlimited'), value: d && d.rate_limit_per_sec != null ? d.rate_limit_per_sec : '' });
  const burst = h('input', { name: 'burst', type: 'number', min: 1, step: 1, placeholder: t('unlimited'), value: d && d.rate_burst != null ? d.rate_burst : '' });
  const quota = h('input', { name: 'quota', type: 'number', min: 0, step: 1, placeholder: t('unlimited'), value: d && d.monthly_quota != null ? d.monthly_quota : '' });
  const showKinds = () => { kindsBox.hidden = kind.value !== 'document'; };
  kind.addEventListener('change', showKinds);
  showKinds();
  return h('form', {
    class: 'card grid',
    'aria-label': d ? t('edit') : t('create_domain'),
    onsubmit: async (e) => {
      e.preventDefault();
      const body = {
        name: name.value,
        lang: lang.value,
        table_detection: tables.checked,
        rate_limit_per_sec: numberOrNull(rate.value),
        rate_burst: numberOrNull(burst.value),
        monthly_quota: numberOrNull(quota.value),
      };
      const chosen = kinds.filter((c) => c.checked).map((c) => c.value);
      try {
        if (d) {
          if (d.kind === 'document') body.document_kinds = chosen;
          await api('PATCH', `/admin/v1/domains/${d.id}`, body);
          toast(t('saved'));
          onDone(null);
        } else {
          body.kind = kind.value;
          if (kind.value === 'document') body.document_kinds = chosen;
          for (const k of ['rate_limit_per_sec', 'rate_burst', 'monthly_quota']) if (body[k] === null) delete body[k];
          const created = await api('POST', '/admin/v1/domains', body);
          onDone(created);
        }
      } catch (err) { showError(err); }
    },
  }, h('h2', {}, d ? `${t('edit')}: ${d.name}` : t('create_domain')),
  field(t('name'), name), field(t('kind'), kind), field(t('lang'), lang),
  h('label', { class: 'check' }, tables, ` ${t('table_detection')}`), kindsBox,
  field(t('rate_limit'), rate), field(t('burst'), burst), field(t('monthly_quota'), quota),
  h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, d ? t('save') : t('create')),
    h('button', { type: 'button', onclick: () => onDone(null) }, t('cancel'))));
}

export async function domainsPage(main, flash) {
  let domains;
  try { domains = await api('GET', '/admin/v1/domains'); } catch (e) { showError(e); return; }
  const admin = can('admin');
  const reload = (f) => domainsPage(main, f);
  const area = h('div', { id: 'domain-form' });
  const rows = domains.map((d) => {
    const actions = admin ? h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => { put(area, domainForm(d, () => reload())); area.querySelector('input').focus(); } }, t('edit')),
      h('button', {
        type: 'button',
        onclick: async () => {
          if (!await confirmDialog(t('confirm_rotate'), t('rotate_secret'))) return;
          try {
            const s = await api('POST', `/admin/v1/domains/${d.id}/rotate-secret`);
            reload(secretBlock(s.secret));
          } catch (e) { showError(e); }
        },
      }, t('rotate_secret')),
      h('button', {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          if (!await confirmDialog(`${d.name}: ${t('confirm_delete')}`)) return;
          try { await api('DELETE', `/admin/v1/domains/${d.id}`); reload(); } catch (e) { showError(e); }
        },
      }, t('delete'))) : null;
    const limits = [
      d.rate_limit_per_sec != null ? `${d.rate_limit_per_sec}/s` : null,
      d.monthly_quota != null ? `${d.monthly_quota}/${t('month')}` : null,
    ].filter(Boolean).join(', ') || t('unlimited');
    return h('section', { class: 'card domain', 'data-domain': d.id },
      h('h2', {}, `#${d.id} ${d.name}`),
      h('p', {}, `${t('kind')}: ${d.kind}${d.kind === 'document' ? ` (${d.document_kinds.join(', ')})` : ''} · ${t('lang')}: ${d.lang} · ${t('table_detection')}: ${d.table_detection ? 'on' : 'off'} · ${limits}`),
      invokeBlock(d), actions);
  });
  put(main, 
    h('h1', {}, t('domains')),
    flash || null,
    admin ? h('button', { type: 'button', class: 'primary', id: 'new-domain', onclick: () => {
      put(area, domainForm(undefined, (created) => reload(created ? secretBlock(created.secret) : null)));
      area.querySelector('input').focus();
    } }, t('create_domain')) : null,
    area,
    ...(domains.length ? rows : [h('p', {}, t('no_domains'))]),
  );
  if (flash) flash.querySelector('input')?.focus();
}

/** A CSV file of `rows` (arrays) under `cols`, quoted where needed. */
export function csvText(cols, rows) {
  const esc = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [cols, ...rows].map((r) => r.map(esc).join(',')).join('\n') + '\n';
}

/** A download link for text made here (a blob: URL; nothing leaves the page). */
export function downloadLink(text, type, filename, label, id) {
  const href = URL.createObjectURL(new Blob([text], { type }));
  return h('a', { href, download: filename, class: 'button', id }, label);
}

/** Failures of a day by outcome code, e.g. `0011: 2, FAILURE: 1`. */
function failureCodes(d) {
  return Object.entries(d.outcomes || {}).filter(([k]) => k !== 'success').map(([k, v]) => `${k}: ${v}`).join(', ');
}

function ms(v) { return v == null ? '' : String(Math.round(v)); }

/** Calls (blue) with failures (red) over them, one bar per day of the range, as inline SVG. */
function dailyChart(days, from, to) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const all = [];
  for (let t0 = Date.parse(`${from}T00:00:00Z`), t1 = Date.parse(`${to}T00:00:00Z`); t0 <= t1; t0 += 86400000) {
    all.push(new Date(t0).toISOString().slice(0, 10));
  }
  const max = Math.max(1, ...days.map((d) => d.calls));
  const W = 680; const H = 220; const pad = 30;
  const step = (W - 2 * pad) / Math.max(1, all.length);
  const bw = Math.max(2, step - 2);
  const svg = h('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', id: 'usage-chart', role: 'img', 'aria-label': `${t('per_day')}: ${t('calls')} / ${t('failures')}` });
  svg.append(h('line', { x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, class: 'axis' }),
    h('text', { x: pad - 4, y: pad, 'text-anchor': 'end' }, String(max)));
  all.forEach((day, i) => {
    const d = byDay.get(day) || { calls: 0, failures: 0 };
    const x = pad + i * step + 1;
    const ch = ((H - 2 * pad) * d.calls) / max;
    const fh = ((H - 2 * pad) * d.failures) / max;
    if (d.calls) {
      svg.append(
        h('rect', { x, y: H - pad - ch, width: bw, height: ch, class: 'bar-calls' }, h('title', {}, `${day}: ${d.calls} ${t('calls')}`)),
        h('rect', { x, y: H - pad - fh, width: bw, height: fh, class: 'bar-fail' }, h('title', {}, `${day}: ${d.failures} ${t('failures')}`)));
    }
    if (i === all.length - 1 || all.length <= 10 || (i % 7 === 0 && i < all.length - 4)) {
      svg.append(h('text', { x: x + bw / 2, y: H - pad + 14, 'text-anchor': 'middle' }, day.slice(5)));
    }
  });
  return svg;
}

const DAILY_COLS = ['day', 'calls', 'pages', 'table_pages', 'validations', 'successes', 'failures', 'failures_by_code', 'p50_ms', 'p90_ms', 'operations'];

/** The operations of a day, `general: 3, infer: 1`. */
function opsText(d) {
  return Object.entries(d.operations || {}).map(([k, v]) => `${k}: ${v.calls}`).join(', ');
}

function dailyRow(d) {
  return [d.day, d.calls, d.pages, d.table_pages, d.validations, d.successes, d.failures, failureCodes(d), ms(d.latency.p50_ms), ms(d.latency.p90_ms), opsText(d)];
}

const MONTHLY_COLS = ['month', 'operation', 'calls', 'pages', 'tables', 'failures'];

export async function usagePage(main) {
  let domains;
  try { domains = await api('GET', '/admin/v1/domains'); } catch (e) { showError(e); return; }
  const out = h('div', { id: 'usage-out' });
  const select = h('select', { id: 'usage-domain' }, domains.map((d) => h('option', { value: d.id }, `#${d.id} ${d.name}`)));
  const today = new Date().toISOString().slice(0, 10);
  const from = h('input', { type: 'date', id: 'usage-from', value: new Date(Date.now() - 29 * 86400000).toISOString().slice(0, 10) });
  const to = h('input', { type: 'date', id: 'usage-to', value: today });
  const show = async () => {
    if (!select.value) { put(out, h('p', {}, t('no_domains'))); return; }
    try {
      const q = new URLSearchParams({ from: from.value, to: to.value });
      const [u, daily] = await Promise.all([
        api('GET', `/admin/v1/domains/${select.value}/usage`),
        api('GET', `/admin/v1/domains/${select.value}/usage/daily?${q}`),
      ]);
      const rows = daily.days.map(dailyRow);
      // Template domains also show the calls made to their templates' external validators.
      const tpl = (domains.find((d) => String(d.id) === select.value) || {}).kind === 'template';
      const extra = (d) => (tpl ? [d.validations] : []);
      put(out,
        // The quota counter runs only for domains with a quota (it is the quota's atomic count);
        // without one the month's calls are in the table below.
        h('p', { id: 'usage-quota' }, u.monthly_quota != null
          ? `${t('quota_used')} (${u.month}): ${u.quota_used} / ${u.monthly_quota}`
          : `${t('quota_used')} (${u.month}): ${t('unlimited')}`),
        h('h2', {}, `${t('per_day')} (${daily.from} – ${daily.to})`),
        h('div', { class: 'usage-view' },
          daily.days.length ? dailyChart(daily.days, daily.from, daily.to) : h('p', {}, t('no_usage')),
          h('div', {},
            table([t('day'), t('calls'), t('pages'), ...(tpl ? [t('validations')] : []), t('failures'), t('failures_by_code'), t('median_latency'), t('operation')],
              [...daily.days.map((d) => [d.day, d.calls, d.pages, ...extra(d), d.failures, failureCodes(d), ms(d.latency.p50_ms), opsText(d)]),
                [t('total'), daily.total.calls, daily.total.pages, ...extra(daily.total), daily.total.failures, failureCodes(daily.total), ms(daily.total.latency.p50_ms), '']]),
            h('p', { class: 'note' }, t('latency_note')),
            downloadLink(csvText(DAILY_COLS, rows), 'text/csv', `jikji-usage-daily-domain-${daily.domain_id}-${daily.from}-${daily.to}.csv`, t('download_csv'), 'usage-daily-csv'))),
        h('h2', {}, t('per_month')),
        table([t('month'), t('operation'), t('calls'), t('pages'), t('tables'), t('failures')],
          u.rows.map((r) => [r.month, r.operation, r.calls, r.pages, r.tables, r.failures])),
        downloadLink(csvText(MONTHLY_COLS, u.rows.map((r) => MONTHLY_COLS.map((c) => r[c]))), 'text/csv', `jikji-usage-domain-${u.domain_id}.csv`, t('download_csv')),
      );
    } catch (e) { showError(e); }
  };
  select.addEventListener('change', show);
  put(main, h('h1', {}, t('usage')),
    h('form', { class: 'card grid', onsubmit: (e) => { e.preventDefault(); show(); } },
      field(t('domain'), select), field(t('from_day'), from), field(t('to_day'), to),
      h('button', { type: 'submit', class: 'primary' }, t('show'))),
    out);
  await show();
}

function domainList(v) {
  const s = v.trim();
  return s === '' ? null : s.split(',').map((x) => Number(x.trim())).filter((n) => Number.isInteger(n));
}

function roleSelect(value) {
  return h('select', {}, ['admin', 'operator', 'viewer'].map((r) => h('option', { value: r, selected: r === value }, r)));
}

export async function usersPage(main, flash) {
  let users; let tokens;
  try {
    [users, tokens] = await Promise.all([api('GET', '/admin/v1/users'), api('GET', '/admin/v1/tokens')]);
  } catch (e) { showError(e); return; }
  const reload = (f) => usersPage(main, f);
  const uname = h('input', { required: true, pattern: '[A-Za-z0-9._@\\-]{1,64}', id: 'new-user-name' });
  const upass = h('input', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password', id: 'new-user-pass' });
  const urole = roleSelect('viewer');
  const udomains = h('input', { placeholder: t('all') });
  const userRows = users.map((u) => {
    const role = roleSelect(u.role);
    role.setAttribute('aria-label', `${t('role')} ${u.username}`);
    role.addEventListener('change', async () => {
      try { await api('PATCH', `/admin/v1/users/${u.id}`, { role: role.value }); toast(t('saved')); } catch (e) { showError(e); reload(); }
    });
    return [u.username, role, u.domains ? u.domains.join(', ') : t('all'), fmtTime(u.created_at), h('div', { class: 'row' },
      h('button', { type: 'button', onclick: async () => {
        const pw = prompt(`${t('reset_password')}: ${u.username}`);
        if (!pw) return;
        try { await api('PATCH', `/admin/v1/users/${u.id}`, { password: pw }); toast(t('saved')); } catch (e) { showError(e); }
      } }, t('reset_password')),
      h('button', { type: 'button', class: 'danger', onclick: async () => {
        if (!await confirmDialog(`${u.username}: ${t('confirm_delete')}`)) return;
        try { await api('DELETE', `/admin/v1/users/${u.id}`); reload(); } catch (e) { showError(e); }
      } }, t('delete')))];
  });
  const tname = h('input', { required: true, pattern: '[A-Za-z0-9._@\\-]{1,64}' });
  const trole = roleSelect('viewer');
  const tdomains = h('input', { placeholder: t('all') });
  const tokenRows = tokens.map((tk) => [tk.name, tk.role, tk.domains ? tk.domains.join(', ') : t('all'), fmtTime(tk.created_at),
    h('button', { type: 'button', class: 'danger', onclick: async () => {
      if (!await confirmDialog(`${tk.name}: ${t('confirm_delete')}`)) return;
      try { await api('DELETE', `/admin/v1/tokens/${tk.id}`); reload(); } catch (e) { showError(e); }
    } }, t('delete'))]);
  put(main, 
    h('h1', {}, t('users')), flash || null,
    table([t('username'), t('role'), t('domains'), t('when'), ''], userRows),
    h('form', { class: 'card grid', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', '/admin/v1/users', { username: uname.value, password: upass.value, role: urole.value, domains: domainList(udomains.value) });
        reload();
      } catch (err) { showError(err); }
    } }, h('h2', {}, t('create_user')), field(t('username'), uname), field(t('password'), upass), field(t('role'), urole),
    field(t('domains_access'), udomains), h('button', { type: 'submit', class: 'primary' }, t('create_user'))),
    h('h2', {}, t('tokens')),
    table([t('name'), t('role'), t('domains'), t('when'), ''], tokenRows),
    h('form', { class: 'card grid', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const c = await api('POST', '/admin/v1/tokens', { name: tname.value, role: trole.value, domains: domainList(tdomains.value) });
        reload(secretBlock(c.secret, t('token_once')));
      } catch (err) { showError(err); }
    } }, h('h2', {}, t('create_token')), field(t('name'), tname), field(t('role'), trole), field(t('domains_access'), tdomains),
    h('button', { type: 'submit', class: 'primary' }, t('create_token'))),
  );
}

export async function auditPage(main, before) {
  let entries;
  const q = before ? `?limit=100&before=${before}` : '?limit=100';
  try { entries = await api('GET', `/admin/v1/audit${q}`); } catch (e) { showError(e); return; }
  const last = entries.length ? entries[entries.length - 1].id : null;
  put(main, 
    h('h1', {}, t('audit')),
    table([t('when'), t('actor'), t('action'), t('target'), t('status')],
      entries.map((e) => [fmtTime(e.at), e.actor, e.action, e.target, String(e.status)])),
    entries.length === 100 ? h('button', { type: 'button', onclick: () => auditPage(main, last) }, t('older')) : null,
  );
}

export { session };

// The console shell: session, navigation (hash routes) and the language switch.
import { loadSession, logout, session, can } from './api.js';
import { t, toggleLang, currentLang } from './i18n.js';
import { h, put } from './ui.js';
import * as pages from './pages.js';
import { tryPage } from './tryit.js';
import { templatesPage } from './builder.js';
import { readerPage, closeReader } from './reader.js';
import { batchPage } from './batch.js';

const ROUTES = {
  domains: { page: pages.domainsPage, label: 'domains', role: 'viewer' },
  usage: { page: pages.usagePage, label: 'usage', role: 'viewer' },
  try: { page: tryPage, label: 'try_it', role: 'operator' },
  templates: { page: templatesPage, label: 'templates', role: 'viewer' },
  reader: { page: readerPage, label: 'reader', role: 'viewer' },
  batch: { page: batchPage, label: 'batch', role: 'viewer' },
  users: { page: pages.usersPage, label: 'users', role: 'admin' },
  audit: { page: pages.auditPage, label: 'audit', role: 'admin' },
  password: { page: pages.passwordPage, label: 'change_password', role: 'viewer', hidden: true },
};

function nav(current) {
  const el = document.getElementById('nav');
  el.replaceChildren();
  const who = document.getElementById('who');
  who.replaceChildren();
  const me = session();
  if (!me) return;
  for (const [name, r] of Object.entries(ROUTES)) {
    if (r.hidden || !can(r.role)) continue;
    el.append(h('a', { href: `#/${name}`, 'aria-current': name === current ? 'page' : null }, t(r.label)));
  }
  put(who,
    h('span', {}, `${t('logged_in_as')} ${me.actor} (${me.role}) `),
    me.csrf_token ? h('a', { href: '#/password' }, t('change_password')) : null,
    ' ',
    h('button', { type: 'button', id: 'logout', onclick: async () => { closeReader(); await logout(); location.hash = '#/login'; route(); } }, t('logout')),
  );
}

export async function route() {
  const main = document.getElementById('main');
  document.documentElement.lang = currentLang();
  document.getElementById('lang-toggle').textContent = currentLang() === 'ko' ? 'English' : '한국어';
  const name = (location.hash.replace(/^#\/?/, '').split('/')[0]) || 'domains';
  const me = session() || await loadSession();
  if (!me || name === 'login') {
    if (me && name === 'login') { location.hash = '#/domains'; return; }
    nav(null);
    main.replaceChildren(pages.loginPage(async () => { location.hash = '#/domains'; await route(); }));
    document.title = `${t('login')} · Jikji`;
    return;
  }
  const r = ROUTES[name] && can(ROUTES[name].role) ? ROUTES[name] : ROUTES.domains;
  nav(name);
  document.title = `${t(r.label)} · Jikji`;
  main.replaceChildren(h('p', {}, '…'));
  await r.page(main);
  main.focus();
}

document.getElementById('lang-toggle').addEventListener('click', () => { toggleLang(); route(); });
window.addEventListener('hashchange', route);
route();

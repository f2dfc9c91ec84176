// Small DOM helpers. Text always goes in through textContent (never innerHTML): names, OCR text
// and server messages cannot inject markup.
import { t } from './i18n.js';

/** h('tag', {attr: value, onclick: fn}, child, ...) → element; strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = tag === 'svg' || SVG_TAGS.has(tag)
    ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const SVG_TAGS = new Set(['rect', 'polygon', 'g', 'title', 'text', 'line', 'path']);

export function toast(message, isError) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = isError ? 'error show' : 'show';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.className = ''; }, 4000);
}

/** Shows an API error: a role refusal in words, else the server's message. */
export function showError(e) {
  if (e && e.status === 403) toast(`${t('forbidden')} (${e.message})`, true);
  else toast(`${t('error')}: ${e && e.message ? e.message : e}`, true);
}

/** A modal confirmation (keyboard: Enter confirms, Esc cancels). Resolves true or false. */
export function confirmDialog(message, confirmLabel) {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'submit', class: 'danger', value: 'yes' }, confirmLabel || t('delete'));
    const no = h('button', { type: 'button', onclick: () => d.close('no') }, t('cancel'));
    const d = h('dialog', { 'aria-label': message },
      h('form', { method: 'dialog' }, h('p', {}, message), h('div', { class: 'row' }, yes, no)));
    d.addEventListener('close', () => { resolve(d.returnValue === 'yes'); d.remove(); });
    document.body.append(d);
    d.showModal();
    no.focus();
  });
}

/** A read-only value with a copy button (secrets shown once, curl lines). */
export function copyField(value, label) {
  const field = h('input', { type: 'text', readonly: true, value, 'aria-label': label || value, class: 'mono' });
  const button = h('button', {
    type: 'button',
    onclick: async () => {
      try { await navigator.clipboard.writeText(value); } catch { field.select(); document.execCommand('copy'); }
      toast(t('copied'));
    },
  }, t('copy'));
  return h('div', { class: 'copy' }, field, button);
}

export function table(headers, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

export function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

export function fmtTime(ms) {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

/** Replaces `el`'s children; arrays are flattened and null/false left out (replaceChildren would
 * print them as text). */
export function put(el, ...kids) {
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

/** A file's bytes as base64 (what the template and correction bodies carry). */
export function fileBase64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

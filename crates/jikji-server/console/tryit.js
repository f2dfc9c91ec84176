// Try-it: send an image or PDF to a domain through the admin API (no secret needed), then draw
// every box of the answer over the image — words, table cells, document fields — with text and
// confidence on hover or keyboard focus, the JSON beside it, and the equivalent curl command.
import { api } from './api.js';
import { t } from './i18n.js';
import { h, put, showError, copyField, field } from './ui.js';
import { operations } from './pages.js';
import { openInReader } from './reader.js';

/** Every box in a CLOVA answer: {points, text, confidence, kind}. */
export function collectBoxes(image) {
  const out = [];
  const walk = (node, kind) => {
    if (Array.isArray(node)) { node.forEach((n) => walk(n, kind)); return; }
    if (!node || typeof node !== 'object') return;
    const k = node.rowIndex !== undefined ? 'cell' : kind;
    const text = node.inferText ?? node.text ?? (node.formatted && node.formatted.value) ?? node.name ?? '';
    const conf = node.inferConfidence ?? node.confidence ?? null;
    const polys = [];
    if (node.boundingPoly && node.boundingPoly.vertices) polys.push(node.boundingPoly.vertices);
    if (Array.isArray(node.boundingPolys)) node.boundingPolys.forEach((p) => p && p.vertices && polys.push(p.vertices));
    for (const v of polys) {
      if (v.length >= 3) out.push({ points: v.map((p) => [p.x || 0, p.y || 0]), text: String(text), confidence: conf, kind: k });
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'boundingPoly' || key === 'boundingPolys') continue;
      if (key === 'cellTextLines' || key === 'cellWords') continue; // cells are drawn whole
      walk(child, key === 'fields' ? 'word' : key === 'tables' ? 'cell' : (kind === 'word' ? 'word' : 'field'));
    }
  };
  walk(image, 'field');
  return out;
}

function overlay(boxes, width, height, info) {
  const svg = h('svg', { viewBox: `0 0 ${width} ${height}`, class: 'overlay', role: 'group', 'aria-label': t('boxes') });
  boxes.forEach((b, i) => {
    const label = `${b.text}${b.confidence != null ? ` (${t('confidence')} ${Number(b.confidence).toFixed(3)})` : ''}`;
    const p = h('polygon', {
      points: b.points.map((q) => q.join(',')).join(' '),
      class: `box ${b.kind}`,
      tabindex: 0,
      'data-index': i,
      'aria-label': label,
    }, h('title', {}, label));
    const show = () => { info.textContent = `${b.kind}: ${label}`; };
    p.addEventListener('mouseenter', show);
    p.addEventListener('focus', show);
    svg.append(p);
  });
  return svg;
}

function curlFor(d, op, file, tables) {
  const ext = (file.name.split('.').pop() || 'jpg').toLowerCase();
  const msg = { version: 'V2', requestId: 'try', timestamp: 0, images: [{ format: ext, name: 'try' }] };
  if (tables) msg.enableTableDetection = true;
  return `curl -s ${location.origin}${d.invoke_path}/${op} -H 'X-OCR-SECRET: <secret>' -F 'message=${JSON.stringify(msg)}' -F 'file=@${file.name.replace(/'/g, '')}'`;
}

export async function tryPage(main) {
  let domains;
  try { domains = await api('GET', '/admin/v1/domains'); } catch (e) { showError(e); return; }
  const domainSel = h('select', { id: 'try-domain' }, domains.map((d) => h('option', { value: d.id }, `#${d.id} ${d.name} (${d.kind})`)));
  const opSel = h('select', { id: 'try-op' });
  const tables = h('input', { type: 'checkbox', id: 'try-tables' });
  const tablesLabel = h('label', { class: 'check' }, tables, ` ${t('table_detection')}`);
  const file = h('input', { type: 'file', id: 'try-file', accept: 'image/*,application/pdf', required: true });
  const out = h('div', { id: 'try-out', class: 'try-out' });
  const current = () => domains.find((d) => String(d.id) === domainSel.value);
  const fillOps = () => {
    const d = current();
    opSel.replaceChildren(...(d ? operations(d) : []).map((op) => h('option', { value: op }, op)));
    tablesLabel.hidden = !(d && d.kind !== 'document' && d.table_detection);
  };
  domainSel.addEventListener('change', fillOps);
  fillOps();
  const run = async (e) => {
    e.preventDefault();
    const d = current();
    const f = file.files[0];
    if (!d || !f) return;
    const op = opSel.value;
    const ext = (f.name.split('.').pop() || 'jpg').toLowerCase();
    const message = { version: 'V2', requestId: 'console-try', timestamp: Date.now(), images: [{ format: ext, name: 'try' }] };
    if (tables.checked && !tablesLabel.hidden) message.enableTableDetection = true;
    const form = new FormData();
    form.append('message', JSON.stringify(message));
    form.append('file', f, f.name);
    put(out, h('p', { role: 'status' }, t('running')));
    let res;
    try {
      res = await api('POST', `/admin/v1/domains/${d.id}/try/${op.replace(/^document\//, '')}`, undefined, { form });
    } catch (err) {
      put(out, h('pre', { class: 'json' }, JSON.stringify(err.body, null, 2)));
      showError(err);
      return;
    }
    const image = (res.images || [])[0] || {};
    const boxes = collectBoxes(image);
    const info = h('p', { class: 'box-info', 'aria-live': 'polite' }, t('hover_hint'));
    const isPdf = ext === 'pdf' || f.type === 'application/pdf';
    const conv = image.convertedImageInfo;
    const stage = h('div', { class: 'stage' });
    const place = (w, hgt) => stage.append(overlay(boxes, w, hgt, info));
    if (isPdf) {
      const w = conv ? conv.width : Math.max(1, ...boxes.flatMap((b) => b.points.map((p) => p[0])));
      const hh = conv ? conv.height : Math.max(1, ...boxes.flatMap((b) => b.points.map((p) => p[1])));
      stage.append(h('p', {}, t('no_preview')));
      place(w, hh);
    } else {
      const img = h('img', { src: URL.createObjectURL(f), alt: f.name });
      img.addEventListener('load', () => place(img.naturalWidth, img.naturalHeight));
      stage.append(img);
    }
    put(out, 
      h('div', { class: 'try-view' }, h('div', {}, h('h2', {}, `${t('boxes')}: ${boxes.length}`), info, stage),
        h('div', {}, h('h2', {}, t('result_json')), h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(res, null, 2)))),
      h('div', { class: 'row' }, h('button', { type: 'button', id: 'review-in-reader', onclick: () => openInReader(d.id, f, res) }, t('review_in_reader'))),
      h('h2', {}, t('curl')), copyField(curlFor(d, op, f, message.enableTableDetection), 'curl'),
    );
  };
  put(main, 
    h('h1', {}, t('try_it')),
    h('form', { class: 'card grid', onsubmit: run },
      field(t('domain'), domainSel), field(t('operation'), opSel), tablesLabel, field(t('file'), file),
      h('button', { type: 'submit', class: 'primary', id: 'try-run' }, t('run'))),
    out,
  );
}

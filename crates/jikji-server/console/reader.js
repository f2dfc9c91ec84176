// OCR Reader: one result reviewed — the image with every word's polygon on the left, the
// recognised text on the right (low-confidence words highlighted), a click (or Enter) on a word to
// correct it (stored by the Reader back end with the word's polygon, from which the server cuts
// the crop), the domain's corrections listed with their crops, the training-pair export, and the
// result downloaded as plain text, JSON or a searchable PDF (`POST /admin/v1/searchable-pdf`).
import { api, can } from './api.js';
import { t } from './i18n.js';
import { h, put, toast, showError, confirmDialog, table, field, fmtTime, fileBase64 } from './ui.js';
import { collectBoxes } from './tryit.js';
import { downloadLink } from './pages.js';

/** Words below this confidence are highlighted for review. 0.95 is the engine's own bar for
 * trusting a reading without a second look (`jikji_engine::CASCADE_ACCEPT`: the tiny recogniser's
 * line is re-read by the larger one under it), so a highlighted word is one the engine itself
 * would have doubted. Not tuned for review; a reviewer sees every word either way. */
export const LOW_CONFIDENCE = 0.95;

/** The result under review: {domainId, file (File or Blob with a name), result (CLOVA answer)}. */
let current = null;

/** Opens a result in the Reader (try-it's "Review in Reader"). */
export function openInReader(domainId, file, result) {
  current = { domainId: String(domainId), file, result: structuredClone(result), corrected: new Map() };
  location.hash = '#/reader';
}

/** Forgets the result under review (on logout: the next user of the tab must not see it). */
export function closeReader() { current = null; }

/** The words of page 0: a General answer's fields as they are; any other answer's boxes (document
 * fields, template fields, table cells) as words. */
function wordsOf(result) {
  const image = (result.images || [])[0] || {};
  const general = Array.isArray(image.fields) && image.fields.every((f) => f.boundingPoly && f.inferText !== undefined);
  if (general && image.fields.length) {
    return image.fields.map((f) => ({
      text: String(f.inferText),
      confidence: f.inferConfidence ?? null,
      vertices: f.boundingPoly.vertices.map((v) => ({ x: v.x || 0, y: v.y || 0 })),
      lineBreak: !!f.lineBreak,
    }));
  }
  return collectBoxes(image).filter((b) => b.points.length === 4 && b.text).map((b) => ({
    text: b.text,
    confidence: b.confidence,
    vertices: b.points.map(([x, y]) => ({ x, y })),
    lineBreak: true,
  }));
}

/** Plain text: words joined by a space, a line break where OCR ended a line. */
function plainText(words) {
  return words.map((w, i) => w.text + (i === words.length - 1 ? '\n' : w.lineBreak ? '\n' : ' ')).join('');
}

/** The result with the corrections applied, as a General answer (what the PDF writer takes). */
function generalResult(words) {
  return {
    version: 'V2',
    images: [{
      inferResult: 'SUCCESS',
      fields: words.map((w) => ({
        inferText: w.text,
        inferConfidence: w.confidence,
        boundingPoly: { vertices: w.vertices },
        lineBreak: w.lineBreak,
      })),
    }],
  };
}

function isLow(w) { return w.confidence != null && Number(w.confidence) < LOW_CONFIDENCE; }

/** A modal asking for a word's corrected reading; resolves the text or null. */
function askCorrection(word) {
  return new Promise((resolve) => {
    const input = h('input', { id: 'correct-input', value: word.text, required: true, maxlength: 200, class: 'mono' });
    const d = h('dialog', { 'aria-label': t('correct_word') },
      h('form', { method: 'dialog', id: 'correct-form' },
        h('h2', {}, t('correct_word')),
        h('p', {}, `${t('recognized')}: `, h('strong', {}, word.text),
          word.confidence != null ? ` (${t('confidence')} ${Number(word.confidence).toFixed(3)})` : ''),
        field(t('corrected'), input),
        h('div', { class: 'row' },
          h('button', { type: 'submit', class: 'primary', value: 'save' }, t('save')),
          h('button', { type: 'button', onclick: () => d.close('no') }, t('cancel')))));
    d.addEventListener('close', () => {
      const v = input.value.trim();
      resolve(d.returnValue === 'save' && v ? v : null);
      d.remove();
    });
    document.body.append(d);
    d.showModal();
    input.select();
  });
}

async function correctionsBlock(domainId, mayWrite) {
  let list;
  try { list = await api('GET', `/admin/v1/domains/${domainId}/corrections`); } catch (e) { showError(e); return h('div'); }
  const box = h('section', { class: 'card', id: 'corrections' });
  const reload = async () => box.replaceWith(await correctionsBlock(domainId, mayWrite));
  put(box,
    h('h2', {}, `${t('corrections')} (${list.length})`),
    list.length ? table([t('crop'), t('recognized'), t('corrected'), t('by'), t('when'), ''],
      list.map((c) => [
        h('img', { src: `/admin/v1/domains/${domainId}/corrections/${c.id}/crop`, alt: c.corrected, class: 'crop' }),
        c.recognized, c.corrected, c.createdBy, fmtTime(c.createdAt),
        mayWrite ? h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!await confirmDialog(`${c.recognized} → ${c.corrected}: ${t('confirm_delete')}`)) return;
          try { await api('DELETE', `/admin/v1/domains/${domainId}/corrections/${c.id}`); await reload(); } catch (e) { showError(e); }
        } }, t('delete')) : '',
      ])) : h('p', {}, t('no_corrections')),
    h('a', { href: `/admin/v1/domains/${domainId}/corrections/export`, download: `jikji-corrections-domain-${domainId}.tar`, class: 'button', id: 'export-corrections' }, t('export_training')));
  return box;
}

function reviewView(state, mayWrite, onCorrected) {
  const words = wordsOf(state.result);
  const image = (state.result.images || [])[0] || {};
  const isPdf = /\.pdf$/i.test(state.file.name || '') || state.file.type === 'application/pdf';
  const info = h('p', { class: 'box-info', 'aria-live': 'polite' }, mayWrite ? t('click_word_hint') : t('read_only'));
  const polys = [];
  const chips = [];
  const edit = async (i) => {
    if (!mayWrite) return;
    const w = words[i];
    const corrected = await askCorrection(w);
    if (corrected === null || corrected === w.text) return;
    try {
      await api('POST', `/admin/v1/domains/${state.domainId}/corrections`, {
        image: await fileBase64(state.file),
        page: 0,
        boundingPoly: { vertices: w.vertices },
        recognized: w.text,
        corrected,
      });
      state.corrected.set(i, corrected);
      toast(t('correction_saved'));
      onCorrected();
    } catch (e) { showError(e); }
  };
  words.forEach((w, i) => {
    if (state.corrected.has(i)) w.text = state.corrected.get(i);
    const label = `${w.text}${w.confidence != null ? ` (${t('confidence')} ${Number(w.confidence).toFixed(3)})` : ''}`;
    const cls = `${isLow(w) ? 'low' : ''} ${state.corrected.has(i) ? 'fixed' : ''}`;
    const show = () => { info.textContent = label; polys[i]?.classList.add('hot'); chips[i]?.classList.add('hot'); };
    const hide = () => { polys[i]?.classList.remove('hot'); chips[i]?.classList.remove('hot'); };
    polys.push(h('polygon', { points: w.vertices.map((v) => `${v.x},${v.y}`).join(' '), class: `box word ${cls}`, 'data-index': i, onclick: () => edit(i), onmouseenter: show, onmouseleave: hide }, h('title', {}, label)));
    chips.push(h('button', { type: 'button', class: `word-chip ${cls}`, 'data-index': i, 'aria-label': label, disabled: !mayWrite, onclick: () => edit(i), onfocus: show, onblur: hide, onmouseenter: show, onmouseleave: hide }, w.text));
  });
  const overlay = (wd, ht) => h('svg', { viewBox: `0 0 ${wd} ${ht}`, class: 'overlay', role: 'group', 'aria-label': t('boxes') }, polys);
  const stage = h('div', { class: 'stage' });
  if (isPdf) {
    const conv = image.convertedImageInfo;
    const W = conv ? conv.width : Math.max(1, ...words.flatMap((w) => w.vertices.map((v) => v.x)));
    const H = conv ? conv.height : Math.max(1, ...words.flatMap((w) => w.vertices.map((v) => v.y)));
    stage.append(h('p', {}, t('no_preview')), overlay(W, H));
  } else {
    const img = h('img', { src: URL.createObjectURL(state.file), alt: state.file.name || 'page' });
    img.addEventListener('load', () => stage.append(overlay(img.naturalWidth, img.naturalHeight)));
    stage.append(img);
  }
  // the text, line by line, each word a button
  const lines = [];
  let line = [];
  chips.forEach((c, i) => { line.push(c, ' '); if (words[i].lineBreak) { lines.push(h('p', { class: 'ocr-line' }, line)); line = []; } });
  if (line.length) lines.push(h('p', { class: 'ocr-line' }, line));
  const base = (state.file.name || 'result').replace(/\.[^.]*$/, '');
  const pdfButton = h('button', { type: 'button', id: 'download-pdf', onclick: async () => {
    pdfButton.disabled = true;
    toast(t('making_pdf'));
    try {
      const form = new FormData();
      form.append('file', state.file, state.file.name || 'page');
      form.append('result', JSON.stringify(generalResult(words)));
      const pdf = await api('POST', '/admin/v1/searchable-pdf', undefined, { form, binary: true });
      const a = h('a', { href: URL.createObjectURL(pdf), download: `${base}.pdf` });
      document.body.append(a);
      a.click();
      a.remove();
      toast(t('pdf_ready'));
    } catch (e) { showError(e); } finally { pdfButton.disabled = false; }
  } }, t('download_pdf'));
  return h('div', {},
    h('div', { class: 'row downloads' }, h('strong', {}, `${t('downloads')}:`),
      downloadLink(plainText(words), 'text/plain;charset=utf-8', `${base}.txt`, t('download_text'), 'download-text'),
      downloadLink(JSON.stringify(generalResultWithOriginal(state.result, words), null, 2), 'application/json', `${base}.json`, t('download_json'), 'download-json'),
      mayWrite ? pdfButton : null),
    h('div', { class: 'try-view reader-view' },
      h('div', {}, h('h2', {}, `${t('boxes')}: ${words.length}`), info, stage),
      h('div', {}, h('h2', {}, t('recognized_text')),
        h('p', { class: 'note' }, `${t('low_conf_note')} ${LOW_CONFIDENCE}`),
        h('div', { class: 'ocr-text', id: 'reader-text' }, lines))));
}

/** The original answer with the corrected words written into page 0's General fields. */
function generalResultWithOriginal(result, words) {
  const out = structuredClone(result);
  const image = (out.images || [])[0];
  if (image && Array.isArray(image.fields) && image.fields.length === words.length) {
    image.fields.forEach((f, i) => { if (f.inferText !== undefined) f.inferText = words[i].text; });
  }
  return out;
}

export async function readerPage(main) {
  const mayWrite = can('operator');
  let domains;
  try { domains = await api('GET', '/admin/v1/domains'); } catch (e) { showError(e); return; }
  const domainSel = h('select', { id: 'reader-domain' }, domains.map((d) => h('option', { value: d.id, selected: current && String(d.id) === current.domainId }, `#${d.id} ${d.name} (${d.kind})`)));
  const imageIn = h('input', { type: 'file', id: 'reader-image', accept: 'image/*,application/pdf', required: true });
  const resultIn = h('input', { type: 'file', id: 'reader-result', accept: 'application/json,.json', required: true });
  const view = h('div', { id: 'reader-view' });
  const corr = h('div');
  const render = async () => {
    if (current) put(view, reviewView(current, mayWrite, render));
    else put(view, h('p', { class: 'card' }, t('reader_empty')));
    put(corr, await correctionsBlock(domainSel.value, mayWrite));
  };
  domainSel.addEventListener('change', async () => {
    if (current) current.domainId = domainSel.value;
    put(corr, await correctionsBlock(domainSel.value, mayWrite));
  });
  const openForm = h('form', { class: 'card grid', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const result = JSON.parse(await resultIn.files[0].text());
      current = { domainId: domainSel.value, file: imageIn.files[0], result, corrected: new Map() };
      await render();
    } catch (err) { showError(err); }
  } }, field(t('domain'), domainSel), field(t('image_file'), imageIn), field(t('result_file'), resultIn),
  h('button', { type: 'submit' }, t('open')));
  put(main, h('h1', {}, t('reader')), openForm, view, corr);
  if (!domains.length) { put(view, h('p', {}, t('no_domains'))); return; }
  await render();
}

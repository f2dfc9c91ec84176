// Template builder: a template domain's templates, and one of them edited on its sample — the
// words OCR read on the sample drawn faintly, the field regions drawn over them with the mouse
// (drag on an empty spot), moved (drag a region), resized (drag its corner handle) or removed, and
// the same by keyboard (Tab to a region; arrows move, Shift+arrows resize, Ctrl for ten pixels,
// Delete removes). Each region is named and given a value type and kind, or marked as the title.
// Saved as a draft (`POST`/`PUT …/templates`), tested on another image (`…/test`: the matched
// fields drawn on it), released and rolled back — all through the template API.
import { api, can } from './api.js';
import { t } from './i18n.js';
import { h, put, toast, showError, confirmDialog, table, field, fileBase64 } from './ui.js';
import { collectBoxes } from './tryit.js';

export const VALUE_TYPES = ['ALL', 'NUMERIC', 'HANGUL', 'ALPHABET', 'DATE'];
export const FIELD_KINDS = ['NORMAL', 'MULTI_BOX', 'CHECKBOX'];
/** Regions smaller than this (sample pixels, either side) are taken as a stray click, not drawn. */
const MIN_SIDE = 6;
/** The size of a region made with "Add region" (keyboard users), in sample pixels. */
const NEW_REGION = { width: 240, height: 48 };

/** The editor's state for one template (new or opened). */
function emptyDraft() {
  return { id: null, name: '', regions: [], selected: -1, sample: null, validationUrl: '' };
}

function regionsOf(def) {
  const rs = (def.fields || []).map((f) => ({
    name: f.name, x: f.region.x, y: f.region.y, width: f.region.width, height: f.region.height,
    valueType: f.valueType || 'ALL', kind: f.type || 'NORMAL', multiline: !!f.multiline, boxes: f.boxes ?? null,
    sampleChecked: !!f.sampleChecked, title: false,
  }));
  if (def.title) rs.unshift({ ...def.title, name: '', valueType: 'ALL', kind: 'NORMAL', multiline: false, boxes: null, title: true });
  return rs;
}

/** The template description the API takes (`TemplateDef`), in whole sample pixels. */
function definition(draft) {
  const r4 = (r) => ({ x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) });
  const title = draft.regions.find((r) => r.title);
  const def = {
    name: draft.name,
    fields: draft.regions.filter((r) => !r.title).map((r) => {
      const f = { name: r.name, region: r4(r), valueType: r.valueType, type: r.kind, multiline: r.multiline };
      if (r.kind === 'MULTI_BOX' && r.boxes) f.boxes = Number(r.boxes);
      if (r.kind === 'CHECKBOX') f.sampleChecked = r.sampleChecked;
      return f;
    }),
  };
  if (title) def.title = r4(title);
  if (draft.validationUrl && draft.validationUrl.trim()) def.validationUrl = draft.validationUrl.trim();
  return def;
}

/** The stage: sample image (or a blank page of the regions' extent), words, regions. */
function editor(draft, mayWrite) {
  const W = draft.sample ? draft.sample.width : Math.max(400, ...draft.regions.map((r) => r.x + r.width + 40));
  const H = draft.sample ? draft.sample.height : Math.max(300, ...draft.regions.map((r) => r.y + r.height + 40));
  const svg = h('svg', { viewBox: `0 0 ${W} ${H}`, class: 'overlay builder-overlay', id: 'builder-svg', role: 'group', 'aria-label': t('fields') });
  const words = h('g', { class: 'sample-words' }, (draft.sample ? draft.sample.words : []).map((w) =>
    h('polygon', { points: pairs(w.polygon), class: 'box sample-word' }, h('title', {}, w.text))));
  const layer = h('g', { class: 'regions' });
  svg.append(words, layer);
  const stage = h('div', { class: `stage builder-stage${draft.sample ? '' : ' blank'}` },
    draft.sample ? h('img', { src: draft.sample.url, alt: t('sample'), draggable: 'false' }) : null,
    svg);
  const panel = h('div', { class: 'region-list', id: 'region-list' });

  const labelOf = (r, i) => (r.title ? t('title_region') : r.name || `${t('region')} ${i + 1}`);
  const draw = (focus) => {
    layer.replaceChildren();
    draft.regions.forEach((r, i) => {
      const sel = i === draft.selected;
      const rect = h('rect', {
        x: r.x, y: r.y, width: r.width, height: r.height,
        class: `region${r.title ? ' title' : ''}${sel ? ' selected' : ''}`,
        tabindex: 0, 'data-index': i, role: 'button',
        'aria-label': `${labelOf(r, i)}: ${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}×${Math.round(r.height)}`,
        'aria-pressed': sel ? 'true' : 'false',
      }, h('title', {}, labelOf(r, i)));
      rect.addEventListener('keydown', (e) => keyOn(e, i));
      rect.addEventListener('focus', () => { if (draft.selected !== i) { draft.selected = i; draw(); listPanel(); layer.querySelector(`rect.region[data-index="${i}"]`)?.focus(); } });
      const hs = Math.max(8, W / 120);
      layer.append(rect,
        h('text', { x: r.x + 3, y: r.y - 4, class: 'region-label' }, labelOf(r, i)),
        mayWrite ? h('rect', { x: r.x + r.width - hs / 2, y: r.y + r.height - hs / 2, width: hs, height: hs, class: 'handle', 'data-handle': i }) : null);
    });
    if (focus !== undefined) layer.querySelector(`rect.region[data-index="${focus}"]`)?.focus();
  };

  const clamp = (r) => {
    r.width = Math.max(1, Math.min(r.width, W));
    r.height = Math.max(1, Math.min(r.height, H));
    r.x = Math.max(0, Math.min(r.x, W - r.width));
    r.y = Math.max(0, Math.min(r.y, H - r.height));
  };
  const remove = (i) => {
    draft.regions.splice(i, 1);
    draft.selected = Math.min(i, draft.regions.length - 1);
    draw(draft.selected >= 0 ? draft.selected : undefined);
    listPanel();
  };
  const keyOn = (e, i) => {
    if (!mayWrite) return;
    const r = draft.regions[i];
    const step = e.ctrlKey || e.metaKey ? 10 : 1;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
    if (d) {
      e.preventDefault();
      if (e.shiftKey) { r.width = Math.max(1, r.width + d[0]); r.height = Math.max(1, r.height + d[1]); } else { r.x += d[0]; r.y += d[1]; }
      clamp(r);
      draw(i);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      remove(i);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      panel.querySelector(`[data-region="${i}"] input`)?.focus();
    }
  };

  // mouse: draw on an empty spot, move a region, resize by its handle
  const at = (e) => {
    const b = svg.getBoundingClientRect();
    return { x: ((e.clientX - b.left) * W) / b.width, y: ((e.clientY - b.top) * H) / b.height };
  };
  let drag = null;
  svg.addEventListener('pointerdown', (e) => {
    if (!mayWrite || e.button !== 0) return;
    const p = at(e);
    const handle = e.target.getAttribute && e.target.getAttribute('data-handle');
    const idx = e.target.getAttribute && e.target.getAttribute('data-index');
    if (handle !== null && handle !== undefined) {
      drag = { mode: 'resize', i: Number(handle), p0: p, r0: { ...draft.regions[Number(handle)] } };
    } else if (idx !== null && idx !== undefined && e.target.classList.contains('region')) {
      drag = { mode: 'move', i: Number(idx), p0: p, r0: { ...draft.regions[Number(idx)] } };
    } else {
      const n = draft.regions.filter((r) => !r.title).length + 1;
      draft.regions.push({ name: `field${n}`, x: p.x, y: p.y, width: 0, height: 0, valueType: 'ALL', kind: 'NORMAL', multiline: false, boxes: null, sampleChecked: false, title: false });
      drag = { mode: 'draw', i: draft.regions.length - 1, p0: p };
    }
    draft.selected = drag.i;
    svg.setPointerCapture(e.pointerId);
    e.preventDefault();
    draw();
  });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const p = at(e);
    const r = draft.regions[drag.i];
    if (drag.mode === 'draw') {
      r.x = Math.min(p.x, drag.p0.x); r.y = Math.min(p.y, drag.p0.y);
      r.width = Math.abs(p.x - drag.p0.x); r.height = Math.abs(p.y - drag.p0.y);
      r.x = Math.max(0, r.x); r.y = Math.max(0, r.y);
      r.width = Math.min(r.width, W - r.x); r.height = Math.min(r.height, H - r.y);
    } else if (drag.mode === 'move') {
      r.x = drag.r0.x + p.x - drag.p0.x; r.y = drag.r0.y + p.y - drag.p0.y;
      clamp(r);
    } else {
      r.width = Math.max(MIN_SIDE, drag.r0.width + p.x - drag.p0.x);
      r.height = Math.max(MIN_SIDE, drag.r0.height + p.y - drag.p0.y);
      r.width = Math.min(r.width, W - r.x); r.height = Math.min(r.height, H - r.y);
    }
    draw();
  });
  const end = () => {
    if (!drag) return;
    const { i, mode } = drag;
    drag = null;
    const r = draft.regions[i];
    if (mode === 'draw' && (r.width < MIN_SIDE || r.height < MIN_SIDE)) { remove(i); return; }
    draw(i);
    listPanel();
  };
  svg.addEventListener('pointerup', end);
  svg.addEventListener('pointercancel', end);

  const listPanel = () => {
    const items = draft.regions.map((r, i) => {
      const name = h('input', { value: r.name, required: !r.title, disabled: r.title || !mayWrite, 'aria-label': `${t('field_name')} ${i + 1}`, class: 'region-name', pattern: '.*\\S.*' });
      name.addEventListener('input', () => { r.name = name.value; draw(); });
      const vt = h('select', { disabled: r.title || !mayWrite, 'aria-label': `${t('value_type')} ${i + 1}`, class: 'region-type' }, VALUE_TYPES.map((v) => h('option', { value: v, selected: v === r.valueType }, v)));
      vt.addEventListener('change', () => { r.valueType = vt.value; });
      const kind = h('select', { disabled: r.title || !mayWrite, 'aria-label': `${t('field_kind')} ${i + 1}`, class: 'region-kind' }, FIELD_KINDS.map((v) => h('option', { value: v, selected: v === r.kind }, v)));
      const boxes = h('input', { type: 'number', min: 1, max: 200, value: r.boxes ?? '', disabled: !mayWrite, 'aria-label': `${t('boxes_count')} ${i + 1}`, class: 'narrow-num' });
      boxes.addEventListener('input', () => { r.boxes = boxes.value ? Number(boxes.value) : null; });
      const boxesField = field(t('boxes_count'), boxes);
      const showBoxes = () => { boxesField.hidden = r.kind !== 'MULTI_BOX' || r.title; };
      kind.addEventListener('change', () => { r.kind = kind.value; showBoxes(); });
      showBoxes();
      const multi = h('input', { type: 'checkbox', checked: r.multiline, disabled: r.title || !mayWrite });
      multi.addEventListener('change', () => { r.multiline = multi.checked; });
      const title = h('input', { type: 'checkbox', checked: r.title, disabled: !mayWrite, class: 'region-title' });
      title.addEventListener('change', () => {
        draft.regions.forEach((o) => { o.title = false; });
        r.title = title.checked;
        draw();
        listPanel();
      });
      return h('fieldset', { class: `region-item${i === draft.selected ? ' selected' : ''}`, 'data-region': i },
        h('legend', {}, h('button', { type: 'button', class: 'link', onclick: () => { draft.selected = i; draw(i); listPanel(); } }, labelOf(r, i))),
        field(t('field_name'), name), field(t('value_type'), vt), field(t('field_kind'), kind), boxesField,
        h('label', { class: 'check' }, multi, ` ${t('multiline')}`),
        h('label', { class: 'check' }, title, ` ${t('as_title')}`),
        mayWrite ? h('button', { type: 'button', class: 'danger', onclick: () => remove(i) }, t('delete')) : null);
    });
    put(panel, h('h2', {}, `${t('fields')} (${draft.regions.length})`),
      mayWrite ? h('button', { type: 'button', id: 'add-region', onclick: () => {
        const n = draft.regions.filter((r) => !r.title).length + 1;
        const r = { name: `field${n}`, x: (W - NEW_REGION.width) / 2, y: (H - NEW_REGION.height) / 2, ...NEW_REGION, valueType: 'ALL', kind: 'NORMAL', multiline: false, boxes: null, sampleChecked: false, title: false };
        clamp(r);
        draft.regions.push(r);
        draft.selected = draft.regions.length - 1;
        draw(draft.selected);
        listPanel();
      } }, t('add_region')) : null,
      items.length ? items : h('p', {}, t('no_regions')));
  };
  draw();
  listPanel();
  return h('div', { class: 'builder-view' },
    h('div', {}, h('p', { class: 'note', id: 'draw-hint' }, t('draw_hint')), stage), panel);
}

function pairs(flat) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(`${flat[i]},${flat[i + 1]}`);
  return out.join(' ');
}

/** The test step: another image read with the template, its fields drawn and listed. */
function testView(res, file) {
  const image = res.image || {};
  const boxes = collectBoxes(image);
  const fields = (image.fields || []).map((f) => [f.name, f.inferText ?? '', f.inferConfidence != null ? Number(f.inferConfidence).toFixed(3) : '']);
  const stage = h('div', { class: 'stage' });
  const img = h('img', { src: URL.createObjectURL(file), alt: file.name });
  img.addEventListener('load', () => stage.append(h('svg', { viewBox: `0 0 ${img.naturalWidth} ${img.naturalHeight}`, class: 'overlay', role: 'group', 'aria-label': t('fields') },
    boxes.map((b) => h('polygon', { points: b.points.map((q) => q.join(',')).join(' '), class: 'box field', tabindex: 0, 'aria-label': `${b.text}` }, h('title', {}, b.text))))));
  stage.append(img);
  return h('div', { id: 'test-result' },
    h('p', { class: res.matched ? 'ok' : 'error', id: 'test-verdict' },
      `${res.matched ? t('matched') : t('not_matched')} · ${t('score')} ${res.score.toFixed(3)} (≥ ${res.min_score ?? res.minScore}) ${res.model ? `· ${res.model}` : ''}`),
    h('div', { class: 'try-view' }, stage,
      h('div', {},
        image.title ? h('p', {}, `${t('title_region')}: `, h('strong', {}, image.title.inferText || '')) : null,
        image.validationResult && image.validationResult.result !== 'NO_REQUESTED'
          ? h('p', { id: 'test-validation' }, `${t('validation_result')}: `, h('strong', {}, image.validationResult.result)) : null,
        table([t('field_name'), t('value'), t('confidence')], fields))));
}

export async function templatesPage(main, keep) {
  const mayWrite = can('operator');
  let domains;
  try { domains = (await api('GET', '/admin/v1/domains')).filter((d) => d.kind === 'template'); } catch (e) { showError(e); return; }
  if (!domains.length) { put(main, h('h1', {}, t('template_builder')), h('p', { class: 'card' }, t('no_template_domains'))); return; }
  const domainSel = h('select', { id: 'tpl-domain' }, domains.map((d) => h('option', { value: d.id, selected: keep && String(d.id) === keep.domainId }, `#${d.id} ${d.name}`)));
  const listBox = h('div', { id: 'tpl-list' });
  const editBox = h('section', { class: 'card', id: 'tpl-editor' });
  const testBox = h('section', { class: 'card', id: 'tpl-test' });
  let draft = keep && keep.draft ? keep.draft : emptyDraft();
  const domainId = () => domainSel.value;

  const loadList = async () => {
    let list;
    try { list = await api('GET', `/admin/v1/domains/${domainId()}/templates`); } catch (e) { showError(e); return; }
    const act = (label, fn, cls) => h('button', { type: 'button', class: cls, onclick: fn }, label);
    put(listBox, h('h2', {}, t('templates')), list.length ? table(['#', t('name'), t('latest_version'), t('released_version'), ''],
      list.map((tp) => [String(tp.id), tp.name, String(tp.latestVersion), tp.releasedVersion != null ? String(tp.releasedVersion) : t('not_released'),
        h('div', { class: 'row' },
          act(t('open'), () => openTemplate(tp.id)),
          mayWrite ? act(t('release'), () => release(tp.id)) : null,
          mayWrite ? act(t('rollback'), () => rollback(tp.id)) : null,
          mayWrite ? act(t('delete'), async () => {
            if (!await confirmDialog(`${tp.name}: ${t('confirm_delete')}`)) return;
            try { await api('DELETE', `/admin/v1/domains/${domainId()}/templates/${tp.id}`); if (draft.id === tp.id) { draft = emptyDraft(); renderEditor(); } await loadList(); } catch (e) { showError(e); }
          }, 'danger') : null)])) : h('p', {}, t('no_templates')));
  };
  const release = async (id) => {
    try { const v = await api('POST', `/admin/v1/domains/${domainId()}/templates/${id}/release`); toast(`${t('released')}: v${v.releasedVersion}`); await loadList(); } catch (e) { showError(e); }
  };
  const rollback = async (id) => {
    try { const v = await api('POST', `/admin/v1/domains/${domainId()}/templates/${id}/rollback`); toast(`${t('rolled_back')}: ${v.releasedVersion != null ? `v${v.releasedVersion}` : t('not_released')}`); await loadList(); } catch (e) { showError(e); }
  };
  const openTemplate = async (id) => {
    try {
      const d = await api('GET', `/admin/v1/domains/${domainId()}/templates/${id}`);
      draft = { id, name: d.definition.name || d.name, regions: regionsOf(d.definition), selected: -1, sample: null, validationUrl: d.definition.validationUrl || '' };
      renderEditor();
    } catch (e) { showError(e); }
  };

  const renderEditor = () => {
    const name = h('input', { id: 'tpl-name', value: draft.name, required: true, maxlength: 200, disabled: !mayWrite });
    name.addEventListener('input', () => { draft.name = name.value; });
    // The external validator every image this template reads is sent to (optional).
    const vurl = h('input', { id: 'tpl-validation-url', type: 'url', value: draft.validationUrl, maxlength: 2048, disabled: !mayWrite,
      placeholder: 'https://validator.example/check' });
    vurl.addEventListener('input', () => { draft.validationUrl = vurl.value; });
    const sampleIn = h('input', { type: 'file', id: 'tpl-sample', accept: 'image/*,application/pdf', disabled: !mayWrite });
    const readBtn = h('button', { type: 'button', id: 'tpl-read-sample', disabled: !mayWrite, onclick: async () => {
      const f = sampleIn.files[0];
      if (!f) { sampleIn.focus(); return; }
      readBtn.disabled = true;
      put(stageBox, h('p', { role: 'status' }, t('running')));
      try {
        const b64 = await fileBase64(f);
        const s = await api('POST', `/admin/v1/domains/${domainId()}/templates/sample`, { image: b64 });
        draft.sample = { ...s, b64, url: URL.createObjectURL(f), file: f };
        if (!draft.name) { draft.name = f.name.replace(/\.[^.]*$/, ''); name.value = draft.name; }
      } catch (e) { showError(e); }
      readBtn.disabled = false;
      renderStage();
    } }, t('read_sample'));
    const saveBtn = h('button', { type: 'button', class: 'primary', id: 'tpl-save', onclick: async () => {
      const body = { template: definition(draft) };
      // (an update without an image keeps the stored sample and its OCR: no second reading)
      if (draft.sample && !(draft.id && draft.sample.saved)) body.image = draft.sample.b64;
      else if (!draft.id) { toast(t('need_sample'), true); return; }
      saveBtn.disabled = true;
      try {
        const v = draft.id
          ? await api('PUT', `/admin/v1/domains/${domainId()}/templates/${draft.id}`, body)
          : await api('POST', `/admin/v1/domains/${domainId()}/templates`, body);
        draft.id = v.id;
        if (draft.sample) draft.sample.saved = true;
        toast(`${t('draft_saved')}: v${v.latestVersion}`);
        await loadList();
        renderEditor();
      } catch (e) { showError(e); }
      saveBtn.disabled = false;
    } }, t('save_draft'));
    const stageBox = h('div', { id: 'tpl-stage' });
    const wordsBox = h('details', { class: 'words-read' });
    const renderStage = () => {
      put(stageBox, editor(draft, mayWrite));
      put(wordsBox, h('summary', {}, `${t('words_read')} (${draft.sample ? draft.sample.words.length : 0})`),
        h('p', { class: 'mono' }, draft.sample ? draft.sample.words.map((w) => w.text).join(' ') : ''));
    };
    put(editBox,
      h('h2', {}, draft.id ? `${t('template_builder')}: #${draft.id}` : t('new_template')),
      h('div', { class: 'grid' }, field(t('template_name'), name), field(t('validation_url'), vurl), field(t('sample'), sampleIn),
        h('div', { class: 'row' }, mayWrite ? readBtn : null, mayWrite ? saveBtn : null,
          draft.id && mayWrite ? h('button', { type: 'button', id: 'tpl-release', onclick: () => release(draft.id) }, t('release')) : null,
          draft.id && mayWrite ? h('button', { type: 'button', id: 'tpl-rollback', onclick: () => rollback(draft.id) }, t('rollback')) : null,
          h('button', { type: 'button', onclick: () => { draft = emptyDraft(); renderEditor(); } }, t('new_template')))),
      stageBox, wordsBox);
    renderStage();
    renderTest();
  };

  const renderTest = () => {
    const file = h('input', { type: 'file', id: 'tpl-test-file', accept: 'image/*,application/pdf', disabled: !mayWrite });
    const out = h('div');
    put(testBox, h('h2', {}, t('test_template')),
      h('form', { class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        const f = file.files[0];
        if (!f || !draft.id) { toast(draft.id ? t('test_image') : t('save_draft'), true); return; }
        put(out, h('p', { role: 'status' }, t('running')));
        try {
          const res = await api('POST', `/admin/v1/domains/${domainId()}/templates/${draft.id}/test`, { image: await fileBase64(f) });
          put(out, testView(res, f));
        } catch (err) { put(out); showError(err); }
      } }, field(t('test_image'), file), h('button', { type: 'submit', id: 'tpl-test-run', disabled: !mayWrite }, t('test'))),
      out);
  };

  domainSel.addEventListener('change', async () => { draft = emptyDraft(); renderEditor(); await loadList(); });
  put(main, h('h1', {}, t('template_builder')), field(t('domain'), domainSel), listBox, editBox, testBox);
  renderEditor();
  await loadList();
}

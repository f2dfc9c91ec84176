// The batch page: start a job over a server folder, a file list or an S3 prefix, and watch every
// job's progress, rate and ETA; pause, resume and cancel. Reads need `viewer`; changes `operator`
// (and an account not restricted to some domains — the server says so when it is).
import { api, can } from './api.js';
import { t, addText } from './i18n.js';
import { h, put, toast, showError, confirmDialog, table, field, fmtTime } from './ui.js';
import { operations } from './pages.js';

addText({
  batch: ['배치', 'Batch'],
  batch_new: ['새 배치 작업', 'New batch job'],
  batch_jobs: ['배치 작업', 'Batch jobs'],
  batch_none: ['배치 작업이 없습니다.', 'No batch jobs yet.'],
  batch_domain: ['도메인', 'Domain'],
  batch_operation: ['작업', 'Operation'],
  batch_source: ['입력', 'Input'],
  batch_output: ['출력', 'Output'],
  batch_folder: ['서버 폴더', 'Server folder'],
  batch_files: ['파일 목록 (한 줄에 하나)', 'File list (one per line)'],
  batch_s3: ['S3 버킷', 'S3 bucket'],
  batch_bucket: ['버킷', 'Bucket'],
  batch_prefix: ['접두사', 'Prefix'],
  batch_endpoint: ['엔드포인트 (비우면 서버 설정)', 'Endpoint (empty: the server\'s)'],
  batch_region: ['리전 (비우면 서버 설정)', 'Region (empty: the server\'s)'],
  batch_path_style: ['경로 방식 URL', 'Path-style URLs'],
  batch_version: ['응답 버전', 'Response version'],
  batch_start: ['시작', 'Start'],
  batch_started: ['배치 작업을 시작했습니다', 'Batch job started'],
  batch_state: ['상태', 'State'],
  batch_progress: ['진행', 'Progress'],
  batch_rate: ['속도', 'Rate'],
  batch_eta: ['남은 시간', 'ETA'],
  batch_failed_n: ['실패', 'Failed'],
  batch_created: ['생성', 'Created'],
  batch_pause: ['일시 정지', 'Pause'],
  batch_resume: ['재개', 'Resume'],
  batch_cancel: ['취소', 'Cancel job'],
  batch_confirm_cancel: ['이 작업을 취소할까요? 진행 중인 입력은 끝나고 요약이 기록됩니다.',
    'Cancel this job? Inputs in flight finish and the summary is written.'],
  batch_details: ['자세히', 'Details'],
  batch_per_sec: ['건/초', '/s'],
  batch_paths_hint: ['경로는 서버의 batch_local_roots 아래여야 합니다.', 'Paths must lie under the server\'s batch_local_roots.'],
});

/** How often the list is read again while a job is queued or running (ms): a progress bar that
 * moves every second or two without loading the server (one indexed query per job list). */
const REFRESH_MS = 2000;
const ACTIVE = new Set(['queued', 'running']);

/** `n` seconds as `1h 2m`, `3m 4s` or `5s`. */
export function fmtDuration(n) {
  if (n == null || !Number.isFinite(n)) return '–';
  const s = Math.round(n);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${s}s`;
}

function locationText(loc) {
  if (!loc) return '';
  if (loc.folder) return loc.folder;
  if (loc.local) return loc.local; // a stored job's source: the folder its items are relative to
  if (loc.files) return `${loc.files.length} files`;
  if (loc.s3) return `s3://${loc.s3.bucket}/${loc.s3.prefix || ''}`;
  return JSON.stringify(loc);
}

/** The S3 part of the form: bucket, prefix, endpoint, region, path style. */
function s3Fields(prefix) {
  const f = {
    bucket: h('input', { name: `${prefix}-bucket`, pattern: '[a-z0-9][a-z0-9.\\-]{2,62}' }),
    prefix: h('input', { name: `${prefix}-prefix`, maxlength: 1024 }),
    endpoint: h('input', { name: `${prefix}-endpoint`, placeholder: 'https://kr.object.ncloudstorage.com' }),
    region: h('input', { name: `${prefix}-region`, placeholder: 'kr-standard' }),
    pathStyle: h('input', { type: 'checkbox', name: `${prefix}-path-style`, checked: true }),
  };
  f.box = h('div', { class: 'grid' }, field(t('batch_bucket'), f.bucket), field(t('batch_prefix'), f.prefix),
    field(t('batch_endpoint'), f.endpoint), field(t('batch_region'), f.region),
    h('label', { class: 'check' }, f.pathStyle, ` ${t('batch_path_style')}`));
  f.value = () => {
    const v = { bucket: f.bucket.value.trim(), prefix: f.prefix.value, path_style: f.pathStyle.checked };
    if (f.endpoint.value.trim()) v.endpoint = f.endpoint.value.trim();
    if (f.region.value.trim()) v.region = f.region.value.trim();
    return { s3: v };
  };
  return f;
}

/** A choice of where to read or write: folder (and, for input, a file list) or S3. */
function locationChooser(prefix, withFiles) {
  const kinds = withFiles ? ['folder', 'files', 's3'] : ['folder', 's3'];
  const kind = h('select', { name: `${prefix}-kind`, 'aria-label': t(`batch_${prefix}`) },
    kinds.map((k) => h('option', { value: k }, t(`batch_${k}`))));
  const folder = h('input', { name: `${prefix}-folder`, placeholder: '/data/in' });
  const files = h('textarea', { name: `${prefix}-files`, rows: 3, placeholder: '/data/in/a.jpg' });
  const s3 = s3Fields(prefix);
  const folderBox = field(t('batch_folder'), folder);
  const filesBox = field(t('batch_files'), files);
  const show = () => {
    folderBox.hidden = kind.value !== 'folder';
    filesBox.hidden = kind.value !== 'files';
    s3.box.hidden = kind.value !== 's3';
  };
  kind.addEventListener('change', show);
  show();
  return {
    box: h('fieldset', {}, h('legend', {}, t(`batch_${prefix}`)), kind, folderBox, withFiles ? filesBox : null, s3.box),
    value() {
      if (kind.value === 'folder') return { folder: folder.value.trim() };
      if (kind.value === 'files') return { files: files.value.split('\n').map((l) => l.trim()).filter(Boolean) };
      return s3.value();
    },
  };
}

function createForm(domains, onCreated) {
  const domain = h('select', { name: 'domain' }, domains.map((d) => h('option', { value: d.id }, `${d.name} (#${d.id}, ${t(d.kind)})`)));
  const operation = h('select', { name: 'operation' });
  const fillOps = () => {
    const d = domains.find((x) => String(x.id) === domain.value);
    put(operation, (d ? operations(d) : []).map((op) => h('option', { value: op }, op)));
  };
  domain.addEventListener('change', fillOps);
  fillOps();
  const source = locationChooser('source', true);
  const output = locationChooser('output', false);
  const version = h('select', { name: 'version' }, ['V2', 'V1'].map((v) => h('option', { value: v }, v)));
  const tables = h('input', { type: 'checkbox', name: 'table_detection' });
  return h('form', {
    class: 'card grid',
    'aria-label': t('batch_new'),
    onsubmit: async (e) => {
      e.preventDefault();
      const body = {
        domain_id: Number(domain.value),
        operation: operation.value,
        source: source.value(),
        output: output.value(),
        version: version.value,
        table_detection: tables.checked,
      };
      try {
        const job = await api('POST', '/admin/v1/batch/jobs', body);
        toast(`${t('batch_started')}: #${job.id}`);
        onCreated(job);
      } catch (err) { showError(err); }
    },
  }, h('h2', {}, t('batch_new')),
  field(t('batch_domain'), domain), field(t('batch_operation'), operation),
  source.box, output.box, field(t('batch_version'), version),
  h('label', { class: 'check' }, tables, ` ${t('table_detection')}`),
  h('p', { class: 'hint' }, t('batch_paths_hint')),
  h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('batch_start'))));
}

function actions(job, reload) {
  if (!can('operator')) return '';
  const act = (label, path, confirmText) => h('button', {
    type: 'button',
    'data-action': path,
    onclick: async () => {
      if (confirmText && !await confirmDialog(confirmText, label)) return;
      try { await api('POST', `/admin/v1/batch/jobs/${job.id}/${path}`); reload(); } catch (err) { showError(err); }
    },
  }, label);
  const buttons = [];
  if (ACTIVE.has(job.state)) buttons.push(act(t('batch_pause'), 'pause'));
  if (['paused', 'cancelled', 'failed'].includes(job.state)) buttons.push(act(t('batch_resume'), 'resume'));
  if (!['done', 'cancelled'].includes(job.state)) buttons.push(act(t('batch_cancel'), 'cancel', t('batch_confirm_cancel')));
  return h('div', { class: 'row' }, buttons);
}

function jobRow(job, domains, reload) {
  const d = domains.find((x) => x.id === job.domain_id);
  const finished = job.done + job.failed;
  const progress = h('span', { class: 'progress' },
    h('progress', { max: 1, value: job.progress, 'aria-label': `${t('batch_progress')} #${job.id}` }),
    ` ${finished}/${job.total} (${Math.round(job.progress * 100)}%)`);
  const details = h('details', {}, h('summary', {}, t('batch_details')),
    h('dl', {},
      h('dt', {}, t('batch_source')), h('dd', { class: 'mono' }, locationText(job.source)),
      h('dt', {}, t('batch_output')), h('dd', { class: 'mono' }, locationText(job.output)),
      job.error ? [h('dt', {}, t('error')), h('dd', {}, job.error)] : null));
  return [
    `#${job.id}`,
    d ? d.name : `#${job.domain_id}`,
    job.operation,
    h('span', { class: `state state-${job.state}`, 'data-state': job.state }, job.state),
    progress,
    String(job.failed),
    job.rate_per_sec > 0 ? `${job.rate_per_sec.toFixed(2)} ${t('batch_per_sec')}` : '–',
    ACTIVE.has(job.state) ? fmtDuration(job.eta_secs) : '–',
    fmtTime(job.created_at),
    h('div', {}, actions(job, reload), details),
  ];
}

export async function batchPage(main) {
  let domains;
  try { domains = await api('GET', '/admin/v1/domains'); } catch (e) { showError(e); return; }
  const list = h('div', { id: 'batch-jobs', 'aria-live': 'polite' });
  let timer = null;
  const reload = async () => {
    clearTimeout(timer);
    if (!main.contains(list)) return; // navigated away
    let jobs;
    try { jobs = await api('GET', '/admin/v1/batch/jobs?limit=100'); } catch (e) { showError(e); return; }
    put(list, jobs.length === 0 ? h('p', {}, t('batch_none')) : table(
      ['#', t('batch_domain'), t('batch_operation'), t('batch_state'), t('batch_progress'), t('batch_failed_n'),
        t('batch_rate'), t('batch_eta'), t('batch_created'), ''],
      jobs.map((j) => jobRow(j, domains, reload))));
    if (jobs.some((j) => ACTIVE.has(j.state))) timer = setTimeout(reload, REFRESH_MS);
  };
  put(main,
    h('h1', {}, t('batch_jobs')),
    can('operator') && domains.length ? createForm(domains, () => reload()) : null,
    list);
  await reload();
}

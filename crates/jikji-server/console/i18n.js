// UI text in Korean and English. The choice is kept in localStorage; Korean is the default.

const TEXT = {
  login: ['로그인', 'Log in'],
  logout: ['로그아웃', 'Log out'],
  username: ['사용자 이름', 'User name'],
  password: ['비밀번호', 'Password'],
  login_failed: ['사용자 이름 또는 비밀번호가 틀렸습니다.', 'Wrong user name or password.'],
  throttled: ['실패가 많아 잠시 기다려야 합니다.', 'Too many failures: wait a moment.'],
  domains: ['도메인', 'Domains'],
  usage: ['사용량', 'Usage'],
  try_it: ['테스트', 'Try it'],
  users: ['사용자', 'Users'],
  audit: ['감사 로그', 'Audit log'],
  change_password: ['비밀번호 변경', 'Change password'],
  current_password: ['현재 비밀번호', 'Current password'],
  new_password: ['새 비밀번호 (8자 이상)', 'New password (8+ characters)'],
  password_changed: ['비밀번호를 바꿨습니다. 다시 로그인하세요.', 'Password changed. Log in again.'],
  name: ['이름', 'Name'],
  kind: ['유형', 'Type'],
  general: ['General', 'General'],
  template: ['Template', 'Template'],
  document: ['Document', 'Document'],
  lang: ['언어', 'Languages'],
  table_detection: ['표 추출', 'Table extraction'],
  document_kinds: ['문서 모델', 'Document models'],
  rate_limit: ['초당 호출 제한', 'Rate limit (calls/s)'],
  burst: ['버스트', 'Burst'],
  monthly_quota: ['월 호출 한도', 'Monthly quota'],
  unlimited: ['무제한', 'unlimited'],
  create: ['만들기', 'Create'],
  create_domain: ['도메인 만들기', 'Create domain'],
  edit: ['수정', 'Edit'],
  save: ['저장', 'Save'],
  cancel: ['취소', 'Cancel'],
  delete: ['삭제', 'Delete'],
  rotate_secret: ['Secret 재발급', 'Rotate secret'],
  confirm_delete: ['정말 삭제할까요? 되돌릴 수 없습니다.', 'Really delete? This cannot be undone.'],
  confirm_rotate: ['Secret을 재발급하면 지금 Secret은 더 이상 쓸 수 없습니다. 계속할까요?', 'The current secret stops working. Continue?'],
  secret_once: ['Secret (지금 한 번만 보입니다)', 'Secret (shown only now)'],
  copy: ['복사', 'Copy'],
  copied: ['복사했습니다', 'Copied'],
  invoke_urls: ['호출 URL', 'Invoke URLs'],
  no_domains: ['도메인이 없습니다.', 'No domains yet.'],
  domain: ['도메인', 'Domain'],
  month: ['월', 'Month'],
  operation: ['작업', 'Operation'],
  calls: ['호출', 'Calls'],
  pages: ['페이지', 'Pages'],
  tables: ['표', 'Tables'],
  failures: ['실패', 'Failures'],
  quota_used: ['이번 달 한도 사용', 'Quota used this month'],
  download_csv: ['CSV 내려받기', 'Download CSV'],
  no_usage: ['사용 기록이 없습니다.', 'No usage recorded.'],
  file: ['이미지 또는 PDF', 'Image or PDF'],
  run: ['실행', 'Run'],
  running: ['인식 중…', 'Reading…'],
  result_json: ['응답 JSON', 'Response JSON'],
  curl: ['같은 요청의 curl 명령', 'The same request as curl'],
  boxes: ['찾은 상자', 'Boxes found'],
  confidence: ['신뢰도', 'Confidence'],
  hover_hint: ['상자에 마우스를 올리거나 Tab으로 이동하면 글자와 신뢰도가 보입니다.', 'Hover a box or Tab to it to see its text and confidence.'],
  no_preview: ['PDF는 미리보기 없이 상자만 그립니다.', 'PDFs: boxes drawn without a preview.'],
  role: ['역할', 'Role'],
  domains_access: ['도메인 제한 (쉼표로 구분한 ID, 비우면 전체)', 'Domains (comma-separated ids; empty = all)'],
  all: ['전체', 'all'],
  create_user: ['사용자 만들기', 'Create user'],
  reset_password: ['비밀번호 재설정', 'Reset password'],
  tokens: ['API 토큰', 'API tokens'],
  create_token: ['토큰 만들기', 'Create token'],
  token_once: ['토큰 (지금 한 번만 보입니다)', 'Token (shown only now)'],
  when: ['시각', 'When'],
  actor: ['누가', 'Who'],
  action: ['무엇을', 'What'],
  target: ['대상', 'Target'],
  status: ['상태', 'Status'],
  older: ['이전 기록', 'Older'],
  forbidden: ['이 역할로는 할 수 없습니다.', 'Your role may not do this.'],
  saved: ['저장했습니다', 'Saved'],
  error: ['오류', 'Error'],
  logged_in_as: ['로그인:', 'Signed in:'],
};

let lang = localStorage.getItem('jikji-lang') || 'ko';

export function t(key) {
  const e = TEXT[key];
  if (!e) return key;
  return lang === 'en' ? e[1] : e[0];
}

/** Adds a page's own strings (`key: [korean, english]`), so each page keeps its text beside it. */
export function addText(entries) {
  for (const [k, v] of Object.entries(entries)) {
    if (TEXT[k]) throw new Error(`i18n: ${k} defined twice`);
    TEXT[k] = v;
  }
}

export function currentLang() { return lang; }

export function toggleLang() {
  lang = lang === 'ko' ? 'en' : 'ko';
  localStorage.setItem('jikji-lang', lang);
  document.documentElement.lang = lang;
}

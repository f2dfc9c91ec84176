// The admin API as the console calls it: same origin, the session cookie (HttpOnly, sent by the
// browser) and the session's CSRF token in X-CSRF-Token on every state-changing request.

let csrf = null;
let me = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || (body.status && body.status.message))) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function session() { return me; }

function setSession(s) {
  me = s;
  csrf = s ? s.csrf_token : null;
}

/** Calls the admin API; `form`: a multipart body; `binary`: the answer as a Blob (a PDF). */
export async function api(method, path, body, { form, binary } = {}) {
  const headers = {};
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (r.ok && binary) return r.blob();
  const text = await r.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

/** The current session (null when not logged in). */
export async function loadSession() {
  try {
    setSession(await api('GET', '/admin/v1/session'));
  } catch {
    setSession(null);
  }
  return me;
}

export async function login(username, password) {
  setSession(await api('POST', '/admin/v1/session', { username, password }));
  return me;
}

export async function logout() {
  try { await api('DELETE', '/admin/v1/session'); } finally { setSession(null); }
}

/** Role order: admin > operator > viewer. */
export function can(role) {
  const rank = { viewer: 0, operator: 1, admin: 2 };
  return me && rank[me.role] >= rank[role];
}

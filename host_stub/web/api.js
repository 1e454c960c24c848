// The host's JSON API (host_stub/API.md), one function per route used by the UI.
// The staff user acting is the signed-in one: the host takes it from the session cookie
// (pms_session, HttpOnly), so no call names a user. Every state-changing call sends a JSON body
// (`{}` when there is nothing to say) with `Content-Type: application/json`; the host refuses
// anything else, which is what keeps other sites from steering it.

export class ApiError extends Error {
  constructor(status, body, { retryAfter = null } = {}) {
    super(messageFor(status, body));
    this.status = status;
    this.body = body;
    this.code = body?.error?.code ?? null;
    this.retryAfter = retryAfter;
  }
}

// Staff read Russian; the host's own messages are for logs and developers. A message is shown
// as the host or a plugin wrote it only when it is in Russian (Cyrillic); anything else — the
// browser's «Failed to fetch», a proxy's page, an English host message — becomes a Russian text.
export const NO_CONNECTION = 'Нет связи с сервером PMS';
const isRussian = (text) => typeof text === 'string' && /[А-Яа-яЁё]/.test(text);

function messageFor(status, body) {
  const code = body?.error?.code;
  if (status === 0) return NO_CONNECTION;
  if (status === 401) return code === 'invalid_credentials' ? 'Неверный логин или пароль' : 'Нужно войти в PMS';
  if (status === 403 && code === 'forbidden') return 'Недостаточно прав';
  const own = body?.error?.message ?? body?.message;
  // A 429 is not always about attempts (sign-in throttling): the cap on windows opened at once
  // says what to do in its own Russian message; anything else gets a general text.
  if (status === 429) return isRussian(own) ? own : 'Слишком много запросов, попробуйте позже';
  if (isRussian(own)) return own;
  if (status === 404) return 'Не найдено';
  if (status === 409) return 'Данные изменились, обновите страницу и повторите';
  if (status === 413) return 'Слишком большой запрос';
  if (status === 400 || status === 422) return 'Сервер PMS не принял данные';
  if (status === 502 || status === 503 || status === 504) return 'Сервер PMS временно недоступен';
  return `Сервер PMS ответил ошибкой (код ${status})`;
}

/** Whether `error` means the host could not be reached (no answer, or a gateway's 502–504). */
export const isConnectionError = (error) => error instanceof ApiError && [0, 502, 503, 504].includes(error.status);

/** A Russian text for any failure: the API's own message, else a general one (never a script error's English). */
export const errorText = (error) => (error instanceof ApiError ? error.message : 'Внутренняя ошибка страницы; обновите страницу');

// Called when a request gets no answer from the host (the app shows «нет связи» and retries).
let connectionLostHandler = null;
export function onConnectionLost(fn) {
  connectionLostHandler = fn;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Called for every 401 answer (the session is missing, expired or ended by an admin), except for
// sign-in, whose 401 means a wrong login or password, and sign-out: the app shows the sign-in
// page.
let unauthorizedHandler = null;
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

async function call(method, path, body, { handles401 = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (STATE_CHANGING.has(method)) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    const error = new ApiError(0, null);
    connectionLostHandler?.(error);
    throw error;
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!response.ok) {
    const header = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    const retryAfter = Number.isFinite(data?.error?.retry_after_s) ? data.error.retry_after_s
      : Number.isFinite(header) ? header : null;
    const error = new ApiError(response.status, data, { retryAfter });
    if (isConnectionError(error) && !data?.error) connectionLostHandler?.(error);
    if (response.status === 401 && !handles401) unauthorizedHandler?.(error);
    throw error;
  }
  return data;
}

// A close sent while the page unloads: `keepalive` lets the request outlive the page, and
// nobody is left to read the answer. Same JSON body and origin as every other state change.
function leave(path) {
  try {
    fetch(path, { method: 'POST', keepalive: true, credentials: 'same-origin', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: '{}' }).catch(() => {});
  } catch { /* the page is going away; the host's idle expiry closes the view instead */ }
}

const p = (property) => `/api/properties/${encodeURIComponent(property)}`;
const pp = (property, plugin, page) => `${p(property)}/pages/${encodeURIComponent(plugin)}/${encodeURIComponent(page)}`;

export const api = {
  // The staff session: who is signed in (401 when nobody), sign in, sign out.
  session: () => call('GET', '/api/session'),
  // Open without a session: whether the host answers at all (the connection monitor's probe).
  health: () => call('GET', '/api/health'),
  signIn: (login, password) => call('POST', '/api/session', { login, password }, { handles401: true }),
  signOut: () => call('DELETE', '/api/session', {}, { handles401: true }),

  properties: () => call('GET', '/api/properties'),
  property: (property) => call('GET', p(property)),
  booking: (property, number) => call('GET', `${p(property)}/bookings/${encodeURIComponent(number)}`),
  folio: (property, folio) => call('GET', `${p(property)}/folios/${encodeURIComponent(folio)}`),
  buttons: (property, folio) => call('GET', `${p(property)}/folios/${encodeURIComponent(folio)}/buttons`),
  click: (property, folio, plugin, button) =>
    call('POST', `${p(property)}/folios/${encodeURIComponent(folio)}/buttons/${encodeURIComponent(plugin)}/${encodeURIComponent(button)}/click`, {}),
  viewEvent: (property, session, event) => call('POST', `${p(property)}/views/${encodeURIComponent(session)}/events`, event),
  closeView: (property, session) => call('POST', `${p(property)}/views/${encodeURIComponent(session)}/close`, {}),
  // Plugin pages (pms.admin-page/1): the ones this staff member may open, and one page's session.
  pages: (property) => call('GET', `${p(property)}/pages`),
  page: (property, plugin, page) => call('GET', `${pp(property, plugin, page)}`),
  openPage: (property, plugin, page) => call('POST', `${pp(property, plugin, page)}/open`, {}),
  pageEvent: (property, plugin, page, session, event) =>
    call('POST', `${pp(property, plugin, page)}/views/${encodeURIComponent(session)}/events`, event),
  pageView: (property, plugin, page, session) =>
    call('GET', `${pp(property, plugin, page)}/views/${encodeURIComponent(session)}`),
  closePage: (property, plugin, page, session) =>
    call('POST', `${pp(property, plugin, page)}/views/${encodeURIComponent(session)}/close`, {}),
  // The page is going away: close its dialogs and its plugin page without waiting.
  leaveViews: (property, sessions, page) => {
    for (const session of sessions) leave(`${p(property)}/views/${encodeURIComponent(session)}/close`);
    if (page) leave(`${pp(page.property, page.plugin, page.page)}/views/${encodeURIComponent(page.sessionId)}/close`);
  },
  notifications: (property) => call('GET', `${p(property)}/notifications?limit=100`),
  markRead: (property, id) => call('POST', `${p(property)}/notifications/${encodeURIComponent(id)}/read`, {}),
  readAll: (property) => call('POST', `${p(property)}/notifications/read-all`, {}),
  plugins: () => call('GET', '/api/plugins'),
  enable: (property, plugin, on) => call('POST', `${p(property)}/plugins/${encodeURIComponent(plugin)}/${on ? 'enable' : 'disable'}`, {}),
  settings: (property, plugin) => call('GET', `${p(property)}/plugins/${encodeURIComponent(plugin)}/settings`),
  saveSettings: (property, plugin, values) => call('PUT', `${p(property)}/plugins/${encodeURIComponent(plugin)}/settings`, { values }),
  runAction: (property, plugin, action, values) =>
    call('POST', `${p(property)}/plugins/${encodeURIComponent(plugin)}/settings/actions/${encodeURIComponent(action)}`, { values }),
  mapping: (property, plugin) => call('GET', `${p(property)}/plugins/${encodeURIComponent(plugin)}/payment-mapping`),
  saveMapping: (property, plugin, mapping) => call('PUT', `${p(property)}/plugins/${encodeURIComponent(plugin)}/payment-mapping`, { mappings: mapping }),
  mailSettings: (property) => call('GET', `${p(property)}/mail-settings`),
  saveMailSettings: (property, sender) => call('PUT', `${p(property)}/mail-settings`, sender),
  users: () => call('GET', '/api/users'),
  addUser: (user) => call('POST', '/api/users', user),
  setUserDisabled: (login, disabled) => call('POST', `/api/users/${encodeURIComponent(login)}/${disabled ? 'disable' : 'enable'}`, {}),
  setUserPassword: (login, password) => call('POST', `/api/users/${encodeURIComponent(login)}/password`, { password }),
  eventsUrl: (property, since) => `${p(property)}/events${since ? `?since=${encodeURIComponent(since)}` : ''}`,
};

// The host's JSON API (host_stub/API.md), one function per route used by the UI.
// Every call names the staff user so plugins can keep their audit trail.

export const staff = { id: 'frontdesk-1', name: 'Администратор смены' };

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? body?.error?.message ?? `Ошибка ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, body) {
  const init = { method, headers: { 'X-Staff-Id': staff.id, 'X-Staff-Name': encodeURIComponent(staff.name) } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify({ ...body, staff });
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const p = (property) => `/api/properties/${encodeURIComponent(property)}`;

export const api = {
  properties: () => call('GET', '/api/properties'),
  property: (property) => call('GET', p(property)),
  booking: (property, number) => call('GET', `${p(property)}/bookings/${encodeURIComponent(number)}`),
  folio: (property, folio) => call('GET', `${p(property)}/folios/${encodeURIComponent(folio)}`),
  buttons: (property, folio) => call('GET', `${p(property)}/folios/${encodeURIComponent(folio)}/buttons`),
  click: (property, folio, plugin, button) =>
    call('POST', `${p(property)}/folios/${encodeURIComponent(folio)}/buttons/${encodeURIComponent(plugin)}/${encodeURIComponent(button)}/click`, {}),
  viewEvent: (property, session, event) => call('POST', `${p(property)}/views/${encodeURIComponent(session)}/events`, event),
  closeView: (property, session) => call('POST', `${p(property)}/views/${encodeURIComponent(session)}/close`, {}),
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
  eventsUrl: (property) => `${p(property)}/events`,
};

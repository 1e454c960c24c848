// The reference PMS screen: the sign-in page, the folio page («Лицевой счёт») with the plugins'
// toolbar buttons, the Integrations menu («Администрирование → Разное → Стыковки», for admins),
// the plugins' own pages (pms.admin-page/1) in the menu of the section each names, and live
// staff notifications. Generic: every plugin word comes from the plugin through the
// host's API. Who is signed in, and what they may do, comes from the host's session
// (GET /api/session); the host checks every request again, the page only hides what a role
// cannot use.
import { api, ApiError, onUnauthorized, onConnectionLost, isConnectionError, errorText, NO_CONNECTION } from './api.js';
import { el, formatMoney, formatDateTime, formatDate, formatVat, breadcrumbs } from './format.js';
import { openViewDialog, mountViewPage } from './view.js';
import { buildSettingsForm } from './settings_form.js';
import { copyText, showManualCopy } from './clipboard.js';
import { renderSignIn } from './signin.js';
import { renderStaffPage } from './staff_page.js';
import { renderMailPage } from './mail_page.js';

const state = {
  user: null,             // the signed-in staff member: {login, name, role, permissions}
  properties: [],
  property: null,         // the selected property object
  openViews: new Map(),   // session id -> dialog
  events: null,           // EventSource
  lastEventId: '',        // the last notification id received on the stream
  reconnectTimer: null,
  reconnectDelay: 1000,
  signingOut: false,
  unread: 0,
  folio: null,            // what the folio page shows: {booking, accountIds, paymentIds}
  renderSeq: 0,           // the latest render; older ones drop their result
  shownRoute: null,       // the route whose page is on screen (a later failure keeps it there)
  pages: [],              // the plugin pages this staff member may open (GET .../pages)
  pageView: null,         // the open plugin page: {property, plugin, page, sessionId, handle}
};

// The host could not be reached: a banner says so in Russian, the page on screen stays as it is,
// and /api/health is asked again with back-off until the host answers.
const connection = { lost: false, timer: null, delay: 1000, pageFailed: false };

// The roles of architecture §8, as staff call them.
const ROLE_NAMES = { admin: 'Администратор', front_desk: 'Служба приёма', accountant: 'Бухгалтер' };
const roleName = (role) => ROLE_NAMES[role] ?? (role === state.user?.role ? state.user?.role_name : null) ?? role ?? '';
const can = (permission) => Boolean(state.user?.permissions?.includes(permission));

const main = document.getElementById('main');
const LAST_BOOKING_KEY = 'pms.lastBooking';

// ---- toasts and the notification drawer ------------------------------------------------------

const toastLevel = (level) => (level === 'error' ? 'error' : level === 'warning' ? 'warning' : level === 'success' ? 'success' : 'info');

export function toast({ level = 'info', title, body, onOpen, openLabel = 'Открыть' }) {
  if (!state.user) return; // a late failure of a signed-out session: the sign-in page says it all
  const dismiss = el('button', { type: 'button', class: 'toast-close', 'aria-label': 'Закрыть уведомление', title: 'Закрыть' }, '×');
  const node = el('div', { class: `toast level-${toastLevel(level)}`, role: level === 'error' ? 'alert' : 'status' },
    dismiss, el('strong', {}, title ?? ''), body ? el('div', { class: 'toast-body' }, body) : null);
  if (onOpen) {
    const open = el('button', { type: 'button', class: 'btn btn-link toast-open' }, openLabel);
    open.addEventListener('click', () => { node.remove(); onOpen(); });
    node.append(open);
  }
  dismiss.addEventListener('click', () => node.remove());
  const box = document.getElementById('toasts');
  box.append(node);
  while (box.children.length > 5) box.firstElementChild.remove();
  // Every toast closes by itself (errors stay a little longer), but not while the pointer or the
  // keyboard focus is on it; «×» closes it at once. While a dialog is open the toasts sit below
  // the dialog's layer (app.css), so they never cover its buttons.
  const life = level === 'error' ? 8000 : 6000;
  let timer = setTimeout(() => node.remove(), life);
  const hold = () => clearTimeout(timer);
  const release = () => { clearTimeout(timer); timer = setTimeout(() => node.remove(), 3000); };
  node.addEventListener('mouseenter', hold);
  node.addEventListener('focusin', hold);
  node.addEventListener('mouseleave', release);
  node.addEventListener('focusout', release);
}

function setUnread(count) {
  state.unread = Math.max(0, count);
  const badge = document.getElementById('bell-count');
  badge.hidden = state.unread === 0;
  badge.textContent = state.unread > 99 ? '99+' : String(state.unread);
  // The name holds the visible count (a name that differs from what is shown confuses voice control).
  const bell = document.getElementById('bell');
  bell.title = state.unread ? `Уведомления: непрочитанных ${badge.textContent}` : 'Уведомления';
  bell.setAttribute('aria-label', bell.title);
}

// Opens the folio a notification or a link is about (the booking is found through the folio).
async function openFolio(folioId) {
  try {
    const folio = await api.folio(state.property.id, folioId);
    location.hash = `#/folio/${encodeURIComponent(folio.booking?.number ?? '')}/${encodeURIComponent(folio.id)}`;
  } catch (error) {
    toast({ level: 'error', title: 'Счёт не открыт', body: errorText(error) });
  }
}

async function refreshNotifications() {
  if (!state.property) return;
  const data = await api.notifications(state.property.id);
  const list = document.getElementById('notification-list');
  const items = data.notifications ?? [];
  list.replaceChildren(...items.map((n) => {
    const item = el('li', { class: `level-${toastLevel(n.level)}${n.read ? '' : ' unread'}`, dataset: { id: n.id, folio: n.folio_id ?? '' } },
      el('strong', {}, n.title), n.body ? el('div', { class: 'note-body' }, n.body) : null,
      el('div', { class: 'muted small' }, formatDateTime(n.created_at, state.property.time_zone)));
    if (n.folio_id) {
      item.classList.add('clickable');
      item.title = 'Открыть счёт';
      item.addEventListener('click', () => { closeDrawer(); openFolio(n.folio_id); });
    }
    return item;
  }));
  if (items.length === 0) list.append(el('li', { class: 'muted' }, 'Уведомлений нет'));
  setUnread(data.unread ?? items.filter((n) => !n.read).length);
}

function closeDrawer() {
  document.getElementById('notifications').hidden = true;
  document.getElementById('bell').setAttribute('aria-expanded', 'false');
}

function setLive(status) {
  if (connection.lost && status === 'connecting') status = 'offline';
  const node = document.getElementById('live');
  node.dataset.status = status;
  node.textContent = status === 'online' ? 'на связи' : status === 'connecting' ? 'подключение…' : 'нет связи';
  node.title = status === 'online' ? 'Уведомления приходят сразу' : 'Уведомления временно не приходят; переподключаемся';
}

function setConnectionBanner(shown) {
  const banner = document.getElementById('connection');
  banner.hidden = !shown;
  // Set once per loss: the banner is an alert, and a screen reader says each new text.
  const text = banner.querySelector('.connection-text');
  const wanted = shown ? `${NO_CONNECTION}, повторяем…` : '';
  if (text.textContent !== wanted) text.textContent = wanted;
}

function connectionLost() {
  setConnectionBanner(true);
  if (state.user) setLive('offline');
  if (connection.lost) return;
  connection.lost = true;
  connection.delay = 1000;
  scheduleProbe();
}

function scheduleProbe() {
  clearTimeout(connection.timer);
  connection.timer = setTimeout(probeConnection, connection.delay);
  connection.delay = Math.min(connection.delay * 2, 15000);
}

async function probeConnection() {
  clearTimeout(connection.timer);
  try {
    await api.health();
  } catch {
    scheduleProbe();
    return;
  }
  connectionRestored();
}

function connectionRestored() {
  if (!connection.lost) return;
  connection.lost = false;
  clearTimeout(connection.timer);
  connection.timer = null;
  setConnectionBanner(false);
  if (!state.user) {
    // The start itself failed: start again (the sign-in page shows itself on a 401).
    if (!document.getElementById('signin')) api.session().then(enterApp).catch(showStartError);
    return;
  }
  if (!state.events || state.events.readyState === EventSource.CLOSED) connectEvents({ resumed: true });
  else setLive(state.events.readyState === EventSource.OPEN ? 'online' : 'connecting');
  const failed = connection.pageFailed;
  connection.pageFailed = false;
  if (failed || state.folio) renderRoute().catch(() => {});
  toast({ level: 'success', title: 'Связь с сервером PMS восстановлена' });
}

function disconnectEvents() {
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = null;
  state.events?.close();
  state.events = null;
}

// The stream failed or the host closed it. It may be a network hiccup (EventSource reconnects by
// itself), the host restarting, or the end of the staff session (the host closes the stream,
// and a reconnect is answered 401, which EventSource gives up on). Asking GET /api/session tells
// them apart: a 401 there shows the sign-in page (through the API's 401 handler) instead of
// reconnecting forever.
async function onEventsError(source, reconnect) {
  if (state.events !== source) return;
  const closed = source.readyState === EventSource.CLOSED;
  setLive(closed ? 'offline' : 'connecting');
  try {
    await api.session();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // signed out: sign-in page shown
    if (isConnectionError(error)) connectionLost(); // the banner, «нет связи», and the probe
  }
  if (state.events !== source || source.readyState !== EventSource.CLOSED) return;
  // EventSource gave up (e.g. the host answered 503 while restarting): try again, backing off.
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(reconnect, state.reconnectDelay);
  state.reconnectDelay = Math.min(state.reconnectDelay * 2, 30000);
}

function connectEvents({ resumed = false } = {}) {
  disconnectEvents();
  if (!state.property || !state.user) return;
  setLive('connecting');
  // A stream we open again ourselves resumes after the last notification seen (EventSource
  // sends Last-Event-ID only on its own reconnects).
  const source = new EventSource(api.eventsUrl(state.property.id, resumed ? state.lastEventId : ''));
  let wasOnline = resumed;
  source.addEventListener('ready', (e) => {
    const data = JSON.parse(e.data);
    if (typeof data.unread === 'number') setUnread(data.unread);
    setLive('online');
    state.reconnectDelay = 1000;
    if (connection.lost) probeConnection();
    // After a reconnect the page may have missed changes: show the current state.
    if (wasOnline) { refreshFolioIfShown(); refreshPluginPage(); }
    wasOnline = true;
  });
  source.addEventListener('error', () => onEventsError(source, () => connectEvents({ resumed: true })));
  source.addEventListener('notification', (e) => {
    if (e.lastEventId) state.lastEventId = e.lastEventId;
    const n = JSON.parse(e.data);
    if (n.duplicate) return;
    toast({ level: n.level === 'info' ? 'success' : n.level, title: n.title, body: n.body,
      onOpen: n.folio_id && !isShownFolio(n.folio_id) ? () => openFolio(n.folio_id) : undefined, openLabel: 'Открыть счёт' });
    if (!n.read) setUnread(state.unread + 1);
    if (!document.getElementById('notifications').hidden) refreshNotifications().catch(() => {});
    if (!n.folio_id || isShownFolio(n.folio_id)) refreshFolioIfShown();
  });
  source.addEventListener('view', (e) => {
    const data = JSON.parse(e.data);
    const open = state.openViews.get(data.session_id);
    if (!open) return;
    // `closed`: the host gave this view up — to open another of the same staff session (the
    // cap on open views) or because nobody used it for long (host_stub/API.md, *Open views*);
    // the dialog goes instead of failing on its next click.
    if (data.closed) {
      open.close();
      toast({ level: 'info', title: 'Окно модуля закрыто',
        body: data.reason === 'idle' ? 'С окном долго не работали; откройте его снова, если нужно'
          : 'Открыто слишком много окон модулей: закрыто то, с которым дольше всего не работали' });
      return;
    }
    open.update(data.view, data.revision);
  });
  state.events = source;
}

const isShownFolio = (folioId) => Boolean(state.folio?.accountIds?.includes(String(folioId)));

function refreshFolioIfShown() {
  if (state.folio && currentRoute().page === 'folio') renderRoute().catch(() => {});
}

// ---- the folio page ----------------------------------------------------------------------------

const accountPurpose = (account) => (account.is_main ? 'Основной' : 'Дополнительный');

function renderBookingSearch(message) {
  const input = el('input', { type: 'search', id: 'booking-search', placeholder: 'например, 471887', inputmode: 'numeric', autocomplete: 'off' });
  const form = el('form', { class: 'panel search' }, el('label', { for: 'booking-search' }, 'Номер заявки'), input,
    el('button', { type: 'submit', class: 'btn btn-primary' }, 'Открыть'));
  form.addEventListener('submit', (e) => { e.preventDefault(); if (input.value.trim()) location.hash = `#/folio/${encodeURIComponent(input.value.trim())}`; });
  main.replaceChildren(...[el('h1', {}, 'Лицевой счёт'), message, form].filter(Boolean));
  state.folio = null;
  input.focus();
}

async function renderFolioPage(bookingNumber, selectedFolioId, seq) {
  const property = state.property;
  if (!bookingNumber) {
    renderBookingSearch();
    return;
  }
  let booking;
  try {
    booking = await api.booking(property.id, bookingNumber);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      if (seq === state.renderSeq) {
        renderBookingSearch(el('div', { class: 'notice level-warning', role: 'alert' }, `Заявка №${bookingNumber} не найдена в отеле «${property.name}»`));
      }
      return;
    }
    throw error;
  }
  const accounts = booking.accounts ?? [];
  const selected = accounts.find((a) => a.id === selectedFolioId) ?? accounts.find((a) => a.is_main) ?? accounts[0];
  const buttons = selected ? await api.buttons(property.id, selected.id).catch(() => ({ buttons: [], failed: true })) : { buttons: [] };
  if (seq !== state.renderSeq) return; // a newer render started meanwhile
  try { localStorage.setItem(LAST_BOOKING_KEY, booking.number); } catch { /* storage disabled */ }

  const previous = state.folio?.booking === booking.number ? state.folio : null;
  const paymentIds = accounts.flatMap((a) => (a.payments ?? []).map((pay) => pay.id));
  state.folio = { booking: booking.number, accountIds: accounts.map((a) => a.id), paymentIds };
  const isNewPayment = (id) => previous !== null && !previous.paymentIds.includes(id);

  const money = (minor, currency) => formatMoney(minor, currency);
  const head = el('div', { class: 'panel folio-head' },
    el('div', { class: 'item' }, el('div', { class: 'label' }, 'Заявка'), el('strong', { id: 'booking-number', class: 'big' }, `№${booking.number}`)),
    el('div', { class: 'item' }, el('div', { class: 'label' }, 'Основной гость'), el('span', { id: 'main-guest' }, booking.main_guest?.name ?? '—')),
    el('div', { class: 'item' }, el('div', { class: 'label' }, 'E-mail'), el('span', {}, booking.main_guest?.email || '—')),
    el('div', { class: 'item' }, el('div', { class: 'label' }, 'Отель'), el('span', {}, property.name)),
    selected ? el('div', { class: 'item due' }, el('div', { class: 'label' }, `Сальдо счёта ${selected.number}`),
      el('strong', { id: 'balance-due', class: `big ${BigInt(selected.totals.balance_due_minor) > 0n ? 'owed' : 'settled'}` },
        money(selected.totals.balance_due_minor, selected.currency))) : null);

  const toolbar = el('div', { class: 'toolbar', id: 'folio-toolbar', role: 'toolbar', 'aria-label': 'Действия со счётом' },
    (buttons.buttons ?? []).map((b) => {
      const node = el('button', { type: 'button', class: 'btn btn-plugin', disabled: !b.enabled, title: b.tooltip || undefined,
        dataset: { plugin: b.plugin_id, button: b.button_id } }, b.label);
      node.addEventListener('click', () => openPluginView(selected, b, node));
      return node;
    }),
    buttons.failed ? el('span', { class: 'muted' }, 'Кнопки модулей недоступны') : null,
    selected ? el('span', { class: 'muted toolbar-hint' }, `для счёта ${selected.number}`) : null);

  const accountsTable = el('table', { class: 'grid', id: 'accounts' },
    el('thead', {}, el('tr', {}, ['№ счета', 'Юр.Лицо', 'Назн.', 'Услуги', 'Платежи', 'Сальдо'].map((h, i) =>
      el('th', { class: i >= 3 ? 'align-right' : '' }, h)))),
    el('tbody', {}, accounts.map((a) => {
      const row = el('tr', { class: `clickable${a.id === selected?.id ? ' selected' : ''}`, tabindex: 0,
        'aria-selected': a.id === selected?.id ? 'true' : 'false', dataset: { folio: a.id, number: a.number } },
        el('td', {}, a.is_main ? el('span', { class: 'star', title: 'Основной счёт' }, '★ ') : null, a.number,
          a.status && a.status !== 'open' ? el('span', { class: 'badge tone-neutral' }, a.status === 'closed' ? 'закрыт' : a.status) : null),
        el('td', {}, a.legal_entity?.name ?? ''),
        el('td', {}, accountPurpose(a)),
        el('td', { class: 'align-right', dataset: { col: 'services' } }, money(a.totals.services_minor, a.currency)),
        el('td', { class: 'align-right', dataset: { col: 'payments' } }, money(a.totals.payments_minor, a.currency)),
        el('td', { class: 'align-right', dataset: { col: 'balance' } }, money(a.totals.balance_due_minor, a.currency)));
      const go = () => { location.hash = `#/folio/${encodeURIComponent(booking.number)}/${encodeURIComponent(a.id)}`; };
      row.addEventListener('click', go);
      row.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
      return row;
    })));

  const lines = selected?.lines ?? [];
  const payments = selected?.payments ?? [];
  const currency = selected?.currency ?? 'RUB';
  const linesTable = el('table', { class: 'grid', id: 'lines' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Дата'), el('th', {}, 'Услуга'), el('th', {}, 'НДС'), el('th', { class: 'align-right' }, 'Сумма'))),
    el('tbody', {}, lines.length ? lines.map((l) => el('tr', { dataset: { line: l.id } }, el('td', { class: 'nowrap' }, formatDate(l.service_date)), el('td', {}, l.description),
      el('td', { class: 'muted nowrap', title: l.vat_code ?? '' }, formatVat(l.vat_code)), el('td', { class: 'align-right' }, money(l.amount_minor, l.currency))))
      : el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'Услуг нет'))),
    lines.length ? el('tfoot', {}, el('tr', {}, el('td', { colspan: 3 }, 'Итого услуг'),
      el('td', { class: 'align-right' }, money(selected.totals.services_minor, currency)))) : null);
  const paymentsTable = el('table', { class: 'grid', id: 'payments' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Время'), el('th', {}, 'Категория'), el('th', {}, 'Тип оплаты'), el('th', {}, 'Описание'), el('th', { class: 'align-right' }, 'Сумма'))),
    el('tbody', {}, payments.length ? payments.map((pay) => el('tr', { class: isNewPayment(pay.id) ? 'just-arrived' : '', dataset: { payment: pay.id, kind: pay.kind ?? '' } },
      el('td', { class: 'nowrap' }, formatDateTime(pay.posted_at, property.time_zone)), el('td', {}, pay.category?.name ?? ''),
      el('td', {}, pay.type?.name ?? ''), el('td', {}, pay.description ?? ''),
      el('td', { class: 'align-right' }, money(pay.amount_minor, pay.currency))))
      : el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'Платежей нет'))),
    payments.length ? el('tfoot', {}, el('tr', {}, el('td', { colspan: 4 }, 'Итого платежей'),
      el('td', { class: 'align-right' }, money(selected.totals.payments_minor, currency)))) : null);

  // A refresh (a live update, a dialog just closed) keeps the keyboard focus on the same control.
  const active = document.activeElement;
  const focusKey = active && main.contains(active) ? (active.dataset.plugin ? `[data-plugin="${CSS.escape(active.dataset.plugin)}"][data-button="${CSS.escape(active.dataset.button ?? '')}"]`
    : active.dataset.folio ? `#accounts tr[data-folio="${CSS.escape(active.dataset.folio)}"]` : null) : null;
  main.replaceChildren(el('h1', {}, 'Лицевой счёт'), head,
    el('section', { class: 'panel' }, el('h2', {}, 'Счета'), toolbar, accountsTable),
    el('section', { class: 'panel' }, el('h2', {}, `Платежи по счёту ${selected?.number ?? ''}`), paymentsTable),
    el('section', { class: 'panel' }, el('h2', {}, `Услуги по счёту ${selected?.number ?? ''}`), linesTable));
  if (focusKey) main.querySelector(focusKey)?.focus({ preventScroll: true });
}

async function openPluginView(account, button, node) {
  node.setAttribute('aria-busy', 'true');
  node.disabled = true;
  try {
    const opened = await api.click(state.property.id, account.id, button.plugin_id, button.button_id);
    if (!opened.view) return;
    const sessionId = opened.session_id;
    const dialog = openViewDialog({
      view: opened.view,
      revision: opened.revision,
      sessionId,
      toast,
      send: async (event) => {
        const next = await api.viewEvent(state.property.id, sessionId, event);
        return next.closed ? null : next; // {view, revision}
      },
      onClose: () => {
        state.openViews.delete(sessionId);
        if (!state.user) return; // signed out: the host forgot the session's views itself
        api.closeView(state.property.id, sessionId).catch(() => {});
        // The focus goes back to the button that opened the dialog (a live update may have
        // drawn the folio anew meanwhile: then to the same button's new node); the folio's
        // refresh below keeps it there.
        const again = main.querySelector(`#folio-toolbar [data-plugin="${CSS.escape(button.plugin_id)}"][data-button="${CSS.escape(button.button_id)}"]`);
        (again ?? node).focus?.();
        refreshFolioIfShown();
      },
    });
    state.openViews.set(sessionId, dialog);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // the sign-in page is shown
    toast({ level: 'error', title: error.status === 403 ? 'Недостаточно прав' : 'Модуль не ответил', body: errorText(error) });
  } finally {
    node.removeAttribute('aria-busy');
    node.disabled = false;
  }
}

// ---- Integrations («Стыковки») -------------------------------------------------------------------

const INSTANCE_STATES = {
  active: ['Включён', 'info'],
  starting: ['Запускается', 'info'],
  inactive: ['Не работает', 'error'],
  draining: ['Останавливается', 'warning'],
  zombie: ['Завис при остановке', 'error'],
};

// The card's state: an active instance says only that the module started; «Работает» needs the
// module's own connection check (its "x-check" action, which the host runs after enabling, after
// each save and every few minutes) to have passed. A module without such a check stays «Включён».
function moduleState(here) {
  const instance = here?.instance;
  if (!instance) return { text: 'Выключен', tone: 'neutral', key: 'none' };
  if (instance.state !== 'active') {
    const [text, tone] = INSTANCE_STATES[instance.state] ?? [instance.state, 'neutral'];
    return { text, tone, key: instance.state };
  }
  const check = here.check;
  const when = check?.checked_at ? `проверено ${formatDateTime(check.checked_at)}` : null;
  switch (check?.state) {
    case 'not_configured': return { text: 'Не настроен', tone: 'warning', key: 'not_configured', detail: check.message };
    case 'checking': return { text: 'Проверяется…', tone: 'info', key: 'checking', detail: when };
    case 'ok': return { text: 'Работает', tone: 'success', key: 'ok', detail: when };
    case 'failed': return { text: `Ошибка подключения: ${check.message}`, tone: 'error', key: 'failed', detail: when };
    default: return { text: 'Включён', tone: 'info', key: 'active' };
  }
}

function stateBadge(here) {
  const st = moduleState(here);
  return el('span', { class: 'module-state' },
    el('span', { class: `badge tone-${st.tone}`, dataset: { instanceState: here?.instance?.state ?? 'none', moduleState: st.key } }, st.text),
    st.detail ? el('span', { class: 'muted small' }, ` ${st.detail}`) : null);
}

// While a check runs, the badges are refreshed in place (the forms below keep what was typed).
let moduleStatePoll = null;
function pollModuleStates(seq) {
  clearTimeout(moduleStatePoll);
  moduleStatePoll = setTimeout(async () => {
    if (seq !== state.renderSeq || currentRoute().page !== 'integrations') return;
    let plugins;
    try { ({ plugins } = await api.plugins()); } catch { return; }
    if (seq !== state.renderSeq) return;
    let pending = false;
    for (const plugin of plugins) {
      const here = (plugin.properties ?? []).find((x) => x.property_id === state.property.id);
      const slot = main.querySelector(`section.plugin[data-plugin="${CSS.escape(plugin.id)}"] .module-state`);
      if (slot && here?.enabled) slot.replaceWith(stateBadge(here));
      if (here?.check?.state === 'checking') pending = true;
    }
    if (pending) pollModuleStates(seq);
  }, 1000);
}

async function renderIntegrations(seq) {
  const property = state.property;
  const [{ plugins }, propertyInfo] = await Promise.all([api.plugins(), api.property(property.id)]);
  const cards = [];
  const savers = [];
  let checking = false;
  for (const plugin of plugins) {
    const here = (plugin.properties ?? []).find((x) => x.property_id === property.id);
    const loaded = plugin.state === 'loaded';
    const instance = here?.instance;
    if (here?.check?.state === 'checking') checking = true;
    const card = el('section', { class: 'panel plugin', dataset: { plugin: plugin.id } },
      el('div', { class: 'plugin-card' },
        el('div', {}, el('h2', {}, plugin.name ?? plugin.id),
          plugin.description ? el('div', {}, plugin.description) : null,
          el('div', { class: 'muted small' }, [plugin.id, plugin.version ? `версия ${plugin.version}` : null, plugin.vendor].filter(Boolean).join(' · ')),
          loaded ? el('div', { class: 'plugin-state' }, el('span', { class: 'badge tone-success' }, 'Загружен'), ' ',
                     here?.enabled ? stateBadge(here) : null)
                 : el('div', { class: 'notice level-error state-refused' }, el('strong', {}, 'Не загружен'), el('div', {}, plugin.refusal_reason || plugin.reason || ''))),
        loaded ? enableToggle(plugin, here) : null));
    if (loaded && here?.enabled && instance?.status_message && instance.state !== 'active') {
      card.append(el('div', { class: 'notice level-error' }, instance.status_message));
    }
    if (loaded && here?.enabled) {
      const [settings, mapping] = await Promise.all([
        settingsSection(plugin, propertyInfo).catch((error) => el('div', { class: 'notice level-error' }, `Настройки недоступны: ${errorText(error)}`)),
        mappingSection(plugin).catch((error) => (error instanceof ApiError && error.status === 404 ? null
          : el('div', { class: 'notice level-error' }, `Сопоставление недоступно: ${errorText(error)}`))),
      ]);
      card.append(settings.node ?? settings);
      if (settings.save) savers.push(settings.save);
      if (mapping) { card.append(mapping.node ?? mapping); if (mapping.save) savers.push(mapping.save); }
    }
    cards.push(card);
  }
  if (seq !== undefined && seq !== state.renderSeq) return;
  state.folio = null;
  // One Save for the whole page, kept in view at the bottom: the settings of every enabled
  // module and their payment mapping are saved together (each is still checked on its own).
  const saveBar = savers.length ? saveAllBar(savers) : null;
  main.replaceChildren(breadcrumbs(['Администрирование', 'Разное', 'Стыковки']), el('h1', {}, 'Стыковки'),
    el('p', { class: 'muted' }, `Модули отеля «${property.name}»`),
    ...(cards.length ? cards : [el('p', { class: 'muted' }, 'Модули не найдены')]), saveBar);
  if (checking) pollModuleStates(seq);
}

function saveAllBar(savers) {
  const save = el('button', { type: 'button', class: 'btn btn-primary', dataset: { action: 'save-settings' } }, 'Сохранить');
  save.addEventListener('click', async () => {
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    let ok = true;
    try {
      // In page order; a failing part keeps its errors on screen and the others still save.
      for (const saver of savers) ok = (await saver()) && ok;
    } finally {
      save.disabled = false;
      save.removeAttribute('aria-busy');
    }
    if (ok) {
      toast({ level: 'success', title: 'Настройки сохранены' });
      await renderRoute();
    }
  });
  return el('div', { class: 'save-bar' }, save);
}

function enableToggle(plugin, here) {
  const box = el('input', { type: 'checkbox', role: 'switch', checked: Boolean(here?.enabled), dataset: { enable: plugin.id } });
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      await api.enable(state.property.id, plugin.id, box.checked);
      toast({ level: 'success', title: box.checked ? 'Модуль включён' : 'Модуль выключен', body: plugin.name });
    } catch (error) {
      toast({ level: 'error', title: 'Не удалось переключить модуль', body: errorText(error) });
    }
    await loadPageMenus(); // the module's pages come and go with it
    await renderRoute();
  });
  // The label names what the switch does; its state is the switch's own (checked or not).
  return el('label', { class: 'enable switch' }, box, el('span', {}, 'Использовать в этом отеле'));
}

function copyControl(text, label = 'Скопировать') {
  const button = el('button', { type: 'button', class: 'btn btn-link', dataset: { action: 'copy-value' } }, label);
  button.addEventListener('click', async () => {
    if (await copyText(text)) toast({ level: 'success', title: 'Скопировано', body: text });
    else showManualCopy(text, button);
  });
  return button;
}

async function settingsSection(plugin, propertyInfo) {
  const page = await api.settings(state.property.id, plugin.id);
  const secretsSet = Object.fromEntries(Object.entries(page.secrets ?? {}).map(([k, v]) => [k, v?.set === true]));
  const form = buildSettingsForm({ schema: page.schema, values: page.values, secretsSet, legalEntities: propertyInfo.legal_entities ?? [], prefilled: page.prefilled ?? [] });
  const result = el('div', { class: 'action-result', 'aria-live': 'polite' });
  const busy = (button, on) => {
    for (const b of toolbar.querySelectorAll('button')) b.disabled = on;
    if (on) button.setAttribute('aria-busy', 'true'); else button.removeAttribute('aria-busy');
  };
  // Called by the page's one Save; true when saved.
  const save = async () => {
    const local = form.localErrors();
    if (local) {
      form.showErrors(local);
      toast({ level: 'warning', title: 'Настройки не сохранены', body: `${plugin.name}: исправьте поля, отмеченные красным` });
      return false;
    }
    result.replaceChildren();
    try {
      await api.saveSettings(state.property.id, plugin.id, form.collect());
      form.showErrors(null);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        // 422: {"errors": {"/json/pointer": "message"}, "form": "…"} (host_stub/API.md).
        form.showErrors({ fields: error.body?.errors ?? {}, form: error.body?.form ?? null });
        toast({ level: 'warning', title: 'Настройки не сохранены', body: `${plugin.name}: исправьте поля, отмеченные красным` });
      } else {
        toast({ level: 'error', title: 'Не удалось сохранить', body: errorText(error) });
      }
      return false;
    }
  };
  const actions = (page.schema['x-actions'] ?? []).map((action) => {
    const button = el('button', { type: 'button', class: 'btn', dataset: { action: action.id } }, action.label);
    button.addEventListener('click', async () => {
      busy(button, true);
      result.replaceChildren(el('div', { class: 'progress' }, el('span', { class: 'spinner' }), `${action.label}: выполняется…`));
      try {
        const answer = await api.runAction(state.property.id, plugin.id, action.id, form.collect());
        const outcome = answer.result ?? {};
        const level = outcome.level ?? (answer.ok === false ? 'error' : 'info');
        result.replaceChildren(el('div', { class: `notice level-${level}`, role: level === 'error' ? 'alert' : 'status', dataset: { result: action.id } },
          outcome.message || (answer.ok === false ? `Ошибка: ${answer.status ?? ''}` : 'Готово')));
      } catch (error) {
        result.replaceChildren(el('div', { class: 'notice level-error', role: 'alert', dataset: { result: action.id } }, errorText(error)));
      } finally {
        busy(button, false);
      }
    });
    return button;
  });
  const toolbar = el('div', { class: 'toolbar' }, actions);
  return { save, node: el('div', { class: 'settings' },
    el('h3', {}, 'Настройки'),
    page.notification_url ? el('p', { class: 'notification-url' }, el('span', { class: 'muted' }, 'Адрес для уведомлений от провайдера: '),
      el('code', {}, page.notification_url), copyControl(page.notification_url)) : null,
    form.node, actions.length ? toolbar : null, result) };
}

async function mappingSection(plugin) {
  const data = await api.mapping(state.property.id, plugin.id);
  const categories = data.categories ?? [];
  const kinds = data.kinds ?? [];
  if (kinds.length === 0) return null;
  const rows = kinds.map((kind) => {
    const current = kind.mapping ?? {};
    const typeSelect = el('select', { dataset: { kind: kind.code, role: 'type' }, 'aria-label': `Тип оплаты: ${kind.name}` });
    const categorySelect = el('select', { dataset: { kind: kind.code, role: 'category' }, 'aria-label': `Категория: ${kind.name}` },
      el('option', { value: '' }, '— не выбрано —'),
      categories.map((c) => el('option', { value: c.id, selected: String(c.id) === String(current.category_id) }, c.name)));
    const fillTypes = () => {
      const category = categories.find((c) => String(c.id) === categorySelect.value);
      const types = category?.types ?? [];
      typeSelect.replaceChildren(el('option', { value: '' }, '— не выбрано —'),
        ...types.map((t) => el('option', { value: t.id, selected: String(t.id) === String(current.type_id) }, t.name)));
      if (types.length === 1) typeSelect.value = String(types[0].id);
    };
    categorySelect.addEventListener('change', fillTypes);
    fillTypes();
    return el('tr', { dataset: { kind: kind.code } },
      el('td', {}, kind.name, kind.direction ? el('div', { class: 'muted small' }, kind.direction === 'outgoing' ? 'возврат гостю' : 'поступление') : null),
      el('td', {}, categorySelect), el('td', {}, typeSelect),
      el('td', {}, kind.mapping ? el('span', { class: 'badge tone-success' }, 'сопоставлен') : el('span', { class: 'badge tone-warning' }, 'не сопоставлен')));
  });
  const table = el('table', { class: 'grid mapping' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Вид платежа модуля'), el('th', {}, 'Категория'), el('th', {}, 'Тип оплаты'), el('th', {}, 'Состояние'))),
    el('tbody', {}, rows));
  // Called by the page's one Save; kinds left unchosen are simply not mapped yet.
  const save = async () => {
    const mapping = [...table.querySelectorAll('tbody tr')].map((tr) => ({
      kind: tr.dataset.kind,
      category_id: tr.querySelector('[data-role=category]').value || null,
      type_id: tr.querySelector('[data-role=type]').value || null,
    })).filter((m) => m.category_id && m.type_id);
    if (mapping.length === 0) return true;
    try {
      await api.saveMapping(state.property.id, plugin.id, mapping);
      return true;
    } catch (error) {
      toast({ level: 'error', title: 'Не удалось сохранить сопоставление', body: errorText(error) });
      return false;
    }
  };
  const node = el('div', { class: 'mapping-section' }, el('h3', {}, 'Сопоставление видов платежей'),
    el('p', { class: 'muted small' }, 'Куда в счёте проводятся платежи модуля: категория и тип оплаты PMS.'),
    table);
  return { node, save };
}

// ---- plugin pages (pms.admin-page/1) ------------------------------------------------------------
// Each page a plugin lists appears in the menu of the section it names, for the staff members
// whose role has the page's permission (the host filters the list and checks every call again).
// Opening one starts a view session on the host; the view is drawn by the same renderer as the
// folio dialogs, as the whole page, and live pushes ("view" events) update it in place. Leaving
// the page ends the session.

const SECTIONS = [
  { id: 'finance', title: 'Финансы' },
  { id: 'reports', title: 'Отчёты' },
];
const pageNavKey = (plugin, page) => `page:${plugin}/${page}`;
const pageHref = (page) => `#/pages/${encodeURIComponent(page.plugin_id)}/${encodeURIComponent(page.page_id)}`;
const findPage = (route) => state.pages.find((x) => x.plugin_id === route.plugin && x.page_id === route.pageId);
const pageTitle = (route) => findPage(route)?.title ?? PAGES.plugin.title;
const isOpenPage = (route) => route.page === 'plugin' && state.pageView !== null &&
  state.pageView.plugin === route.plugin && state.pageView.page === route.pageId && state.pageView.property === state.property?.id;

// The menus: «Финансы» and «Отчёты» on the top bar when they have pages; pages of the «admin»
// section (and of sections this host does not know) at the end of «Администрирование».
function renderPageMenus() {
  const holder = document.getElementById('page-menus');
  const adminList = document.getElementById('menu-admin-list');
  for (const old of adminList.querySelectorAll(':scope > li[data-plugin-page]')) old.remove();
  const menus = [];
  for (const section of SECTIONS) {
    const pages = state.pages.filter((x) => x.section === section.id);
    if (pages.length === 0) continue;
    const listId = `menu-${section.id}-list`;
    const button = el('button', { id: `menu-${section.id}`, type: 'button', class: 'menu-button', 'aria-expanded': 'false', 'aria-controls': listId }, section.title);
    const list = el('ul', { id: listId, class: 'menu-list', 'aria-label': section.title, hidden: true },
      pages.map((x) => el('li', {}, el('a', { href: pageHref(x), dataset: { nav: pageNavKey(x.plugin_id, x.page_id) } }, x.title))));
    menus.push(el('div', { class: 'menu', dataset: { section: section.id } }, button, list));
  }
  holder.replaceChildren(...menus);
  for (const button of holder.querySelectorAll('button[aria-controls]')) wireLevel(button);
  const adminPages = state.pages.filter((x) => !SECTIONS.some((section) => section.id === x.section));
  for (const x of adminPages) {
    adminList.append(el('li', { dataset: { pluginPage: pageNavKey(x.plugin_id, x.page_id) } },
      el('a', { href: pageHref(x), dataset: { nav: pageNavKey(x.plugin_id, x.page_id) } }, x.title)));
  }
  document.getElementById('admin-menu').hidden = !can('integrations.admin') && !can('users.admin') && adminPages.length === 0;
}

async function loadPageMenus() {
  const property = state.property;
  let pages = [];
  if (property) {
    try {
      pages = (await api.pages(property.id)).pages ?? [];
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      pages = []; // no menu entries rather than no screen; the page itself says what failed
    }
  }
  if (state.property !== property || !state.user) return; // another hotel or user meanwhile
  state.pages = pages;
  renderPageMenus();
  markCurrentPlace(currentRoute().nav ?? currentRoute().page);
}

// A push missed while the live stream was down: ask the host for the page's current view.
async function refreshPluginPage() {
  const open = state.pageView;
  if (!open) return;
  try {
    const current = await api.pageView(open.property, open.plugin, open.page, open.sessionId);
    if (state.pageView === open && current.view) open.handle.update(current.view, current.revision);
  } catch {
    // 404: the session ended meanwhile (idle, or the plugin was disabled); the page stays as is
    // until staff act on it, which then says so.
  }
}

function closePluginPage() {
  const open = state.pageView;
  if (!open) return;
  state.pageView = null;
  open.handle.close(); // onClose tells the host
}

async function renderPluginPage(route, seq) {
  if (isOpenPage(route)) return; // already on screen (a re-render of the same page)
  const property = state.property;
  const [info, opened] = await Promise.all([
    api.page(property.id, route.plugin, route.pageId),
    api.openPage(property.id, route.plugin, route.pageId),
  ]);
  const sessionId = opened.session_id;
  const forget = () => api.closePage(property.id, route.plugin, route.pageId, sessionId).catch(() => {});
  if (seq !== state.renderSeq || !state.user || state.property !== property) {
    if (!opened.closed) forget(); // a newer route won meanwhile: nobody will show this session
    return;
  }
  document.title = `PMS — ${info.title}`;
  if (opened.closed || !opened.view) {
    main.replaceChildren(el('h1', {}, info.title), el('div', { class: 'notice level-info' }, 'Модуль закрыл страницу.'));
    return;
  }
  const container = el('div', { class: 'plugin-page', dataset: { plugin: route.plugin, page: route.pageId } });
  main.replaceChildren(container);
  let closedByPlugin = false;
  const handle = mountViewPage({
    container,
    view: opened.view,
    revision: opened.revision,
    sessionId,
    toast,
    send: async (event) => {
      const next = await api.pageEvent(property.id, route.plugin, route.pageId, sessionId, event);
      if (next.closed) { closedByPlugin = true; return null; }
      return next; // {view, revision}
    },
    onClose: () => {
      state.openViews.delete(sessionId);
      const wasCurrent = state.pageView?.sessionId === sessionId;
      if (wasCurrent) state.pageView = null;
      if (!state.user) return; // signed out: the host forgot the session's views itself
      if (!closedByPlugin) forget();
      // Closed on the page itself (its × or the plugin): back to the start page.
      if (wasCurrent && currentRoute().page === 'plugin') location.hash = '#/folio';
    },
  });
  state.openViews.set(sessionId, handle);
  state.pageView = { property: property.id, plugin: route.plugin, page: route.pageId, sessionId, handle };
  // The menu entry that opened the page has just closed with its menu: the page's heading takes
  // the focus, so keyboard users land on what they opened.
  const heading = container.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus({ preventScroll: true });
}

// ---- routing -----------------------------------------------------------------------------------

const PAGES = {
  folio: { title: 'Лицевой счёт', permission: 'folio.view' },
  integrations: { title: 'Стыковки', permission: 'integrations.admin' },
  mail: { title: 'Почта', permission: 'integrations.admin' },
  staff: { title: 'Сотрудники', permission: 'users.admin' },
  // A plugin's page: its title and permission come from the page itself; the host decides.
  plugin: { title: 'Страница модуля', permission: null },
};

function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter((x) => x !== '').map((x) => {
    try { return decodeURIComponent(x); } catch { return x; }
  });
  if (parts[0] === 'admin' && parts[1] === 'staff') return { page: 'staff' };
  if (parts[0] === 'admin' && parts[1] === 'mail') return { page: 'mail' };
  if (parts[0] === 'pages' && parts[1] && parts[2]) return { page: 'plugin', plugin: parts[1], pageId: parts[2], nav: pageNavKey(parts[1], parts[2]) };
  if (parts[0] === 'admin' || parts[0] === 'integrations') return { page: 'integrations' };
  return { page: 'folio', booking: parts[1], folio: parts[2] };
}

// A screen the signed-in role may not use (typed in the address bar, or refused by the host).
function renderForbidden(page, title = PAGES[page]?.title ?? 'Страница') {
  state.folio = null;
  const back = el('a', { href: '#/folio', class: 'btn' }, 'К лицевому счёту');
  main.replaceChildren(el('h1', {}, title),
    el('div', { class: 'notice level-warning forbidden', role: 'alert' },
      el('strong', {}, 'Недостаточно прав'),
      el('div', {}, `Раздел «${title}» недоступен для роли «${roleName(state.user?.role)}». Обратитесь к администратору PMS.`)),
    can('folio.view') && page !== 'folio' ? el('div', { class: 'toolbar' }, back) : null);
}

async function renderRoute() {
  if (!state.user) return; // the sign-in page is shown; it comes back here once signed in
  const route = currentRoute();
  const seq = ++state.renderSeq;
  // Leaving a plugin page (another route, another hotel) ends its session on the host.
  if (state.pageView && !isOpenPage(route)) closePluginPage();
  markCurrentPlace(route.nav ?? route.page);
  document.title = route.page === 'plugin' ? `PMS — ${pageTitle(route)}`
    : route.page !== 'folio' ? `PMS — ${PAGES[route.page].title}` : route.booking ? `PMS — Заявка №${route.booking}` : 'PMS — Лицевой счёт';
  main.setAttribute('aria-busy', 'true');
  try {
    if (PAGES[route.page].permission && !can(PAGES[route.page].permission)) {
      renderForbidden(route.page);
    } else if (!state.property) {
      main.replaceChildren(el('div', { class: 'notice level-warning' }, 'Нет ни одного отеля'));
    } else if (route.page === 'integrations') {
      await renderIntegrations(seq);
    } else if (route.page === 'mail') {
      state.folio = null;
      await renderMailPage(main, { property: state.property, toast, isCurrent: () => seq === state.renderSeq });
    } else if (route.page === 'staff') {
      state.folio = null;
      await renderStaffPage(main, { currentLogin: state.user.login, toast, isCurrent: () => seq === state.renderSeq });
    } else if (route.page === 'plugin') {
      state.folio = null;
      await renderPluginPage(route, seq);
    } else {
      await renderFolioPage(route.booking, route.folio, seq);
    }
    if (seq === state.renderSeq) pageShown(route);
  } catch (error) {
    if (seq !== state.renderSeq || !state.user) {
      // a newer render, or the session ended (the sign-in page is shown)
    } else if (error instanceof ApiError && error.status === 403) {
      renderForbidden(route.page, route.page === 'plugin' ? pageTitle(route) : undefined);
      pageShown(route);
    } else if (isConnectionError(error)) {
      // No answer from the host: whatever page is on screen stays (a folio behind a dialog that
      // was just closed, say); the banner says so and the page is loaded again once the host
      // answers. Only an empty screen gets a notice.
      connection.pageFailed = true;
      connectionLost();
      if (state.shownRoute === null) {
        main.replaceChildren(el('h1', {}, PAGES[route.page]?.title ?? 'PMS'),
          el('div', { class: 'notice level-warning', role: 'status' }, `${NO_CONNECTION}, повторяем…`));
      }
    } else {
      const retry = el('button', { type: 'button', class: 'btn' }, 'Повторить');
      retry.addEventListener('click', () => renderRoute());
      main.replaceChildren(el('h1', {}, PAGES[route.page]?.title ?? 'PMS'),
        el('div', { class: 'notice level-error', role: 'alert' }, `Не удалось загрузить страницу: ${errorText(error)}`,
          el('div', {}, retry)));
      pageShown(route);
    }
  } finally {
    if (seq === state.renderSeq) main.removeAttribute('aria-busy');
  }
}

// A page of another route than the one shown before opens at its top (a refresh of the same
// page, e.g. a live update of the folio, keeps the scroll position).
function pageShown(route) {
  const key = `${route.page}/${route.booking ?? route.nav ?? ''}`;
  if (state.shownRoute !== key) window.scrollTo(0, 0);
  state.shownRoute = key;
}

// ---- the main menu -----------------------------------------------------------------------------
// «Администрирование → Разное → Стыковки»: a disclosure menu that opens level by level. Mouse:
// a click opens a level. Keyboard: Enter/Space on a level opens it, ↓ opens it and goes to its
// first entry, ↑/↓ move within a level, → opens a sub-level, ← and Escape close the level and go
// back to its button, Home/End go to the first/last entry. A click elsewhere closes the menu.
// The current page's entry carries aria-current="page"; the levels above it are highlighted.

// Every top-bar menu (the administration menu and the plugin pages' section menus) works alike.
const menuLevels = () => [...document.querySelectorAll('header nav .menu button[aria-controls]')];
const topLevels = () => [...document.querySelectorAll('header nav .menu > button[aria-controls]')];
const levelList = (button) => document.getElementById(button.getAttribute('aria-controls'));
const levelEntries = (list) => [...list.querySelectorAll(':scope > li:not([hidden]) > :is(a, button)')];

function setLevelOpen(button, open) {
  button.setAttribute('aria-expanded', open ? 'true' : 'false');
  const list = levelList(button);
  list.hidden = !open;
  if (!open) for (const inner of list.querySelectorAll('button[aria-controls]')) setLevelOpen(inner, false);
}

function closeMenu({ focus = null } = {}) {
  for (const top of topLevels()) setLevelOpen(top, false);
  focus?.focus();
}

// A click opens a level; opening one closes its siblings (and the other top-bar menus).
function wireLevel(button) {
  setLevelOpen(button, false);
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    const siblings = button.closest('ul')
      ? [...button.closest('ul').querySelectorAll(':scope > li > button[aria-controls]')]
      : topLevels();
    for (const other of siblings) if (other !== button) setLevelOpen(other, false);
    setLevelOpen(button, open);
  });
}

function wireMenu() {
  const menu = document.querySelector('header nav');
  for (const button of menuLevels()) wireLevel(button);
  menu.addEventListener('keydown', (e) => {
    const target = e.target.closest('a, button');
    if (!target || !target.closest('.menu')) return;
    const list = target.closest('ul');
    const isLevel = target.matches('button[aria-controls]');
    const entries = list ? levelEntries(list) : [];
    const index = entries.indexOf(target);
    const parentButton = list ? document.querySelector(`[aria-controls="${CSS.escape(list.id)}"]`) : null;
    const openAndEnter = () => {
      const inner = levelList(target);
      setLevelOpen(target, true);
      levelEntries(inner)[0]?.focus();
    };
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!list && isLevel) openAndEnter();
        else if (entries.length) entries[(index + 1) % entries.length].focus();
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (!list && isLevel) { setLevelOpen(target, true); const all = levelEntries(levelList(target)); all[all.length - 1]?.focus(); }
        else if (entries.length) entries[(index - 1 + entries.length) % entries.length].focus();
        break;
      case 'ArrowRight':
        if (list && isLevel) { e.preventDefault(); openAndEnter(); }
        break;
      case 'ArrowLeft':
        if (list && parentButton && parentButton.closest('ul')) { e.preventDefault(); setLevelOpen(parentButton, false); parentButton.focus(); }
        break;
      case 'Home':
        if (entries.length) { e.preventDefault(); entries[0].focus(); }
        break;
      case 'End':
        if (entries.length) { e.preventDefault(); entries[entries.length - 1].focus(); }
        break;
      case 'Escape':
        e.preventDefault();
        e.stopPropagation();
        if (isLevel && target.getAttribute('aria-expanded') === 'true') setLevelOpen(target, false);
        else if (parentButton) { setLevelOpen(parentButton, false); parentButton.focus(); }
        break;
      default:
    }
  });
  // A chosen page, or a click or focus elsewhere, closes the menu.
  menu.addEventListener('click', (e) => { if (e.target.closest('a')) closeMenu(); });
  const inMenus = (node) => Boolean(node?.closest?.('header nav .menu'));
  document.addEventListener('click', (e) => { if (!inMenus(e.target)) closeMenu(); });
  document.addEventListener('focusin', (e) => {
    // Focus moving between the top-bar menus closes the one left behind.
    if (!inMenus(e.target)) { closeMenu(); return; }
    const here = e.target.closest('.menu');
    for (const top of topLevels()) if (!here.contains(top)) setLevelOpen(top, false);
  });
}

function markCurrentPlace(page) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    const current = link.dataset.nav === page;
    link.classList.toggle('active', current);
    if (current) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  for (const button of menuLevels()) {
    button.classList.toggle('has-current', Boolean(levelList(button).querySelector('[aria-current="page"]')));
  }
}

// ---- signing in and out ------------------------------------------------------------------------

function showSignIn(notice = null) {
  document.body.classList.add('signed-out');
  document.title = 'PMS — Вход';
  main.removeAttribute('aria-busy');
  renderSignIn(main, {
    notice,
    onSignedIn: (user) => enterApp(user).catch(showStartError),
  });
}

// Leaves the signed-in screen: no stream, no dialogs, nothing of the previous user on the page.
function leaveApp() {
  state.user = null;
  state.renderSeq += 1; // renders still running drop their result
  disconnectEvents();
  state.pageView = null;
  for (const dialog of [...state.openViews.values()]) dialog.close();
  state.openViews.clear();
  state.pages = [];
  renderPageMenus();
  document.getElementById('modal-root').replaceChildren();
  closeDrawer();
  document.getElementById('notification-list').replaceChildren();
  document.getElementById('toasts').replaceChildren();
  setUnread(0);
  state.folio = null;
  state.lastEventId = '';
  document.getElementById('staff-name').textContent = '';
  document.getElementById('staff-role').textContent = '';
  document.getElementById('admin-menu').hidden = true;
  closeMenu();
  state.shownRoute = null;
  document.getElementById('property-name').textContent = '';
  document.getElementById('property').hidden = true;
}

// Any 401 of the API: the session is missing, idle-expired, or an admin disabled the user. The
// address stays as it is, so signing in again returns to the same screen.
function onSessionLost() {
  if (state.signingOut) return;
  const wasSignedIn = state.user !== null;
  if (!wasSignedIn && document.getElementById('signin')) return; // already on the sign-in page
  leaveApp();
  showSignIn(wasSignedIn ? 'Сеанс завершён. Войдите снова, чтобы продолжить.' : null);
}

async function signOut() {
  const button = document.getElementById('sign-out');
  button.disabled = true;
  state.signingOut = true;
  try {
    const property = state.property?.id;
    const page = state.pageView;
    const views = [...state.openViews.keys()].filter((id) => id !== page?.sessionId);
    leaveApp();
    document.body.classList.add('signed-out');
    main.replaceChildren(el('p', { class: 'muted', role: 'status' }, 'Выход…'));
    // Tell the plugins about the dialogs that were open while the session still exists.
    await Promise.all([...views.map((id) => api.closeView(property, id).catch(() => {})),
      page ? api.closePage(page.property, page.plugin, page.page, page.sessionId).catch(() => {}) : null]);
    await api.signOut().catch(() => {}); // a 401 here means the session had already ended
  } finally {
    state.signingOut = false;
    button.disabled = false;
  }
  try { localStorage.removeItem(LAST_BOOKING_KEY); } catch { /* storage disabled */ }
  // The next person at this desk starts from the folio search, not from this user's screen.
  history.replaceState(null, '', '#/folio');
  showSignIn('Вы вышли из PMS.');
}

async function enterApp(user) {
  state.user = user;
  document.body.classList.remove('signed-out');
  document.getElementById('staff-name').textContent = user.name || user.login;
  document.getElementById('staff-role').textContent = roleName(user.role);
  document.getElementById('admin-menu').hidden = !can('integrations.admin') && !can('users.admin');
  document.getElementById('menu-integrations').hidden = !can('integrations.admin');
  document.getElementById('menu-staff').hidden = !can('users.admin');
  document.getElementById('menu-staff').closest('li').hidden = !can('users.admin');
  document.getElementById('menu-integrations').closest('li').hidden = !can('integrations.admin');
  document.getElementById('menu-mail').closest('li').hidden = !can('integrations.admin');
  document.getElementById('menu-misc').closest('li').hidden = !can('integrations.admin');
  state.shownRoute = null;
  main.replaceChildren(el('p', { class: 'muted' }, 'Загрузка…'));

  const data = await api.properties();
  if (state.user !== user) return; // signed out meanwhile
  state.properties = data.properties ?? [];
  const select = document.getElementById('property');
  const previous = state.property?.id;
  select.replaceChildren(...state.properties.map((p) => el('option', { value: p.id }, p.name)));
  select.hidden = state.properties.length < 2;
  if (previous && state.properties.some((p) => p.id === previous)) select.value = previous;
  document.getElementById('property-name').textContent = state.properties.length === 1 ? state.properties[0].name : '';
  pickProperty(select.value);
  connectEvents();
  refreshNotifications().catch(() => {});
  await loadPageMenus();
  await renderRoute();
  // Keyboard users land on the page they signed in for.
  if (!main.contains(document.activeElement)) main.querySelector('h1')?.setAttribute('tabindex', '-1');
  if (!main.contains(document.activeElement)) main.querySelector('h1')?.focus({ preventScroll: true });
}

function pickProperty(id) {
  state.property = state.properties.find((p) => p.id === id) ?? state.properties[0] ?? null;
}

function showStartError(error) {
  if (error instanceof ApiError && error.status === 401) return; // the sign-in page is shown
  if (isConnectionError(error)) {
    connectionLost(); // tries again and starts once the host answers
    main.replaceChildren(el('div', { class: 'notice level-warning', role: 'status' }, `${NO_CONNECTION}, повторяем…`));
    return;
  }
  main.replaceChildren(el('div', { class: 'notice level-error', role: 'alert' }, `PMS недоступна: ${errorText(error)}`));
}

// ---- start-up ----------------------------------------------------------------------------------

function wireTopBar() {
  const select = document.getElementById('property');
  select.addEventListener('change', async () => {
    pickProperty(select.value);
    state.folio = null;
    state.lastEventId = '';
    connectEvents();
    refreshNotifications().catch(() => {});
    if (currentRoute().page === 'folio') location.hash = '#/folio';
    await loadPageMenus();
    await renderRoute();
  });

  const bell = document.getElementById('bell');
  bell.setAttribute('aria-expanded', 'false');
  bell.addEventListener('click', async () => {
    const drawer = document.getElementById('notifications');
    if (!drawer.hidden) { closeDrawer(); return; }
    drawer.hidden = false;
    bell.setAttribute('aria-expanded', 'true');
    try {
      await refreshNotifications();
      // Opening the list counts as seeing it; the items keep their "new" mark until next time.
      if (state.unread > 0) setUnread((await api.readAll(state.property.id)).unread ?? 0);
    } catch (error) {
      if (error.status !== 401) toast({ level: 'error', title: 'Уведомления недоступны', body: errorText(error) });
    }
  });
  document.getElementById('notifications-close').addEventListener('click', closeDrawer);
  document.getElementById('notifications-read-all').addEventListener('click', async () => {
    try {
      const result = await api.readAll(state.property.id);
      setUnread(result.unread ?? 0);
      await refreshNotifications();
    } catch (error) {
      if (error.status !== 401) toast({ level: 'error', title: 'Не удалось отметить уведомления', body: errorText(error) });
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !document.getElementById('notifications').hidden && !document.querySelector('.modal-backdrop')) closeDrawer();
  });

  const quick = document.getElementById('quick-search');
  quick.addEventListener('submit', (e) => {
    e.preventDefault();
    const number = quick.elements.number.value.trim();
    if (number) location.hash = `#/folio/${encodeURIComponent(number)}`;
    quick.elements.number.value = '';
  });
  const folioLink = document.querySelector('[data-nav=folio]');
  folioLink.addEventListener('click', (e) => {
    let last = null;
    try { last = localStorage.getItem(LAST_BOOKING_KEY); } catch { /* storage disabled */ }
    if (last && !currentRoute().booking) { e.preventDefault(); location.hash = `#/folio/${encodeURIComponent(last)}`; }
  });
  document.getElementById('sign-out').addEventListener('click', () => signOut());

  window.addEventListener('hashchange', () => renderRoute());
  // A page that goes away (tab closed, reload, another site) closes its plugin views on the host
  // at once rather than leaving them to the idle expiry: each open view costs the plugin work on
  // every change and counts against the staff member's cap. A page kept in the back-forward
  // cache (`persisted`) may come back with its dialogs, so it keeps them.
  window.addEventListener('pagehide', (e) => {
    if (e.persisted || !state.user || !state.property) return;
    const page = state.pageView;
    const dialogs = [...state.openViews.keys()].filter((id) => id !== page?.sessionId);
    api.leaveViews(state.property.id, dialogs, page);
  });
}

async function start() {
  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
  wireTopBar();
  wireMenu();
  onUnauthorized(onSessionLost);
  onConnectionLost(connectionLost);
  document.getElementById('connection-retry').addEventListener('click', () => probeConnection());
  const user = await api.session(); // 401: the handler shows the sign-in page
  await enterApp(user);
}

start().catch(showStartError);

// Renders a plugin's declarative dialog ("pms.view/1", plugin_api/schema/view-v1.md) — over the
// folio as a modal, or as a full plugin page (pms.admin-page/1) — and turns staff actions into
// "pms.view-event/1" documents. One renderer for both, so a page and a dialog behave alike. Every word shown comes from the view; this
// file knows nothing about any provider.
import { el, normaliseMoneyInput, compareDecimal, formatDecimalInput, formatDecimalMoney } from './format.js';
import { copyText, showManualCopy } from './clipboard.js';
import { errorText } from './api.js';

// Links a plugin marks as URLs open only when they are web addresses (never javascript: etc.).
const safeHref = (value) => (/^https?:\/\//i.test(String(value ?? '')) ? String(value) : null);

// What can take the keyboard focus inside `root`, in Tab order.
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
const focusables = (root) => [...root.querySelectorAll(FOCUSABLE)].filter((node) => node.getClientRects().length > 0 && !node.closest('[hidden], [inert]'));

// Keeps Tab and Shift+Tab inside `dialog` (a modal): from the last control to the first and back.
function trapFocus(dialog, event) {
  if (event.key !== 'Tab') return;
  const list = focusables(dialog);
  if (list.length === 0) { event.preventDefault(); dialog.focus(); return; }
  const first = list[0];
  const last = list[list.length - 1];
  const active = document.activeElement;
  if (event.shiftKey && (active === first || active === dialog || !dialog.contains(active))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * Asks a yes/no question in a dialog of the UI's own (instead of the browser's confirm()), above
 * whatever is open. Resolves true for «yes». Focus stays inside it and returns to where it was;
 * Escape and «no» answer no.
 */
export function askConfirmation({ title = 'Подтвердите действие', text, yes = 'Да', no = 'Нет', danger = false }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const id = `confirm-${Date.now().toString(36)}`;
    const yesButton = el('button', { type: 'button', class: `btn ${danger ? 'btn-danger-solid' : 'btn-primary'}`, dataset: { confirm: 'yes' } }, yes);
    const noButton = el('button', { type: 'button', class: 'btn', dataset: { confirm: 'no' } }, no);
    const dialog = el('div', { class: 'modal size-small confirm', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-text`, tabindex: -1 },
      el('div', { class: 'modal-head' }, el('h2', { id: `${id}-title` }, title)),
      el('div', { class: 'modal-body' }, el('p', { id: `${id}-text`, class: 'confirm-text' }, text)),
      el('div', { class: 'modal-foot' }, noButton, yesButton));
    const backdrop = el('div', { class: 'modal-backdrop modal-backdrop-confirm' }, dialog);
    const finish = (answer) => {
      document.removeEventListener('keydown', onKey, true);
      backdrop.remove();
      if (opener?.isConnected) opener.focus({ preventScroll: true });
      resolve(answer);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); finish(false); return; }
      trapFocus(dialog, e);
    };
    yesButton.addEventListener('click', () => finish(true));
    noButton.addEventListener('click', () => finish(false));
    document.addEventListener('keydown', onKey, true);
    document.getElementById('modal-root').append(backdrop);
    noButton.focus(); // the safe answer first: Enter right away changes nothing
  });
}

/**
 * Opens a dialog for a view session.
 *  send(event) -> Promise<{view, revision}|null>: delivers a view event, resolves with the next
 *  view and its revision (null = close).  onClose(): the dialog was closed by staff (or by the
 *  plugin).
 * Returns {update(view, revision), close(), root}.
 *
 * Revisions (host_stub/API.md, *Open views*): the host numbers a session's views in the order
 * the plugin made them. A pushed view may overtake the answer to the event that started it (a
 * reconciliation that finishes while its "running" answer is on its way), so a view older than
 * the one shown is dropped, whichever way it came.
 */
export function openViewDialog({ view, revision, sessionId, send, onClose, toast }) {
  return openView({ view, revision, sessionId, send, onClose, toast, container: null });
}

/**
 * Shows the view of a plugin page session as the whole content of `container` (no modal, no
 * focus trap, Escape is left to the page). The view's `size` is ignored; its title is the
 * page's heading. Same contract as openViewDialog.
 */
export function mountViewPage({ container, view, revision, sessionId, send, onClose, toast }) {
  return openView({ view, revision, sessionId, send, onClose, toast, container });
}

function openView({ view, revision, sessionId, send, onClose, toast, container }) {
  const asPage = container !== null;
  const backdrop = asPage ? null : el('div', { class: 'modal-backdrop' });
  const titleId = `vt-${sessionId}`;
  // The page keeps the dialog's classes, so busy/pending styles and tests' selectors hold.
  const dialog = asPage
    ? el('section', { class: 'modal view-page', 'aria-labelledby': titleId, tabindex: -1, dataset: { session: sessionId } })
    : el('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, tabindex: -1, dataset: { session: sessionId } });
  // Where the focus goes back to when the dialog closes (the button that opened it).
  const opener = !asPage && document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
  if (asPage) {
    container.replaceChildren(dialog);
  } else {
    backdrop.append(dialog);
    document.getElementById('modal-root').append(backdrop);
  }
  let current = null;
  let shownRevision = 0; // of `current`; 0: none known (a host without revisions)
  let pending = false;
  let closed = false;

  const onKey = (e) => {
    // Only the top-most dialog answers keys (not while a question above it is being answered).
    if (closed) return;
    const backdrops = document.querySelectorAll('#modal-root .modal-backdrop');
    if (backdrops[backdrops.length - 1] !== backdrop) return;
    if (e.key === 'Tab') { trapFocus(dialog, e); return; }
    if (e.key !== 'Escape') return;
    e.preventDefault();
    close();
  };
  const close = () => {
    if (closed) return;
    closed = true;
    if (asPage) {
      dialog.remove();
    } else {
      document.removeEventListener('keydown', onKey);
      backdrop.remove();
    }
    onClose?.();
    if (opener?.isConnected && !document.querySelector('#modal-root .modal-backdrop')) opener.focus({ preventScroll: true });
  };
  if (!asPage) document.addEventListener('keydown', onKey);

  const setPending = (on) => {
    pending = on;
    dialog.classList.toggle('is-pending', on);
    dialog.setAttribute('aria-busy', on || current?.busy ? 'true' : 'false');
  };

  const collectValues = () => {
    const values = {};
    for (const input of dialog.querySelectorAll('[data-field]')) {
      const name = input.dataset.field;
      if (input.type === 'checkbox') values[name] = input.checked;
      else if (input.dataset.kind === 'money') values[name] = normaliseMoneyInput(input.value) ?? input.value;
      else values[name] = input.value;
    }
    return values;
  };

  // The view's own rules for one field (required, money min/max, pattern): a Russian message, or
  // null when the value is fine.
  const fieldProblem = (input) => {
    const field = JSON.parse(input.dataset.spec);
    const value = input.type === 'checkbox' ? input.checked : input.value.trim();
    if (field.required && (value === '' || value === false)) return 'Заполните поле';
    if (field.type === 'money' && value !== '') {
      const money = normaliseMoneyInput(value);
      if (money === null) return 'Введите сумму, например 1550,00';
      if (field.min && compareDecimal(money, field.min) < 0) return `Не меньше ${formatDecimalMoney(field.min, field.currency ?? 'RUB')}`;
      if (field.max && compareDecimal(money, field.max) > 0) return `Не больше ${formatDecimalMoney(field.max, field.currency ?? 'RUB')}`;
    } else if (field.pattern && value !== '') {
      try { if (!new RegExp(field.pattern).test(value)) return 'Неверный формат'; } catch { /* the plugin checks it */ }
    }
    return null;
  };

  const showFieldError = (input, message) => {
    const name = input.dataset.field;
    const slot = dialog.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) slot.textContent = message ?? '';
    slot?.closest('.field')?.classList.toggle('has-error', Boolean(message));
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  };

  // As staff type: an error shown next to a field (the page's own or the plugin's) is checked
  // again on every change and disappears as soon as the value is right; a new problem is shown
  // when staff leave the field.
  const onFieldInput = (e) => {
    const input = e.target.closest?.('[data-field]');
    if (!input) return;
    const shown = input.closest('.field')?.classList.contains('has-error');
    if (e.type === 'input' && !shown) return;
    showFieldError(input, fieldProblem(input));
  };
  dialog.addEventListener('input', onFieldInput);
  dialog.addEventListener('change', onFieldInput);
  dialog.addEventListener('focusout', (e) => {
    const input = e.target.closest?.('[data-field]');
    if (input && input.value !== (input.dataset.initial ?? '') && input.type !== 'checkbox') showFieldError(input, fieldProblem(input));
  });

  const validateLocally = () => {
    let ok = true;
    for (const input of dialog.querySelectorAll('[data-field]')) {
      const message = fieldProblem(input);
      // A plugin's message for an untouched field stays until staff change the value.
      const pluginError = input.value === (input.dataset.initial ?? '') ? JSON.parse(input.dataset.spec).error : null;
      showFieldError(input, message ?? pluginError ?? null);
      if (message) {
        if (ok) input.focus();
        ok = false;
      }
    }
    return ok;
  };

  // A failed action is said inside the dialog (the toasts sit below it), in Russian.
  const showActionError = (error) => {
    const slot = dialog.querySelector('.modal-alert');
    if (!slot) return;
    slot.replaceChildren(el('strong', {}, 'Действие не выполнено. '), errorText(error),
      error?.status === 0 ? '. Повторите, когда связь восстановится.' : '');
    slot.hidden = false;
  };

  const dispatch = async (event, actionNode) => {
    if (pending || closed) return;
    setPending(true);
    actionNode?.setAttribute('aria-busy', 'true');
    try {
      const next = await send({ schema: 'pms.view-event/1', view_session_id: sessionId, values: collectValues(), ...event });
      if (next === null) close();
      else if (next) show(next.view, next.revision);
    } catch (error) {
      if (closed) return;
      showActionError(error);
    } finally {
      setPending(false);
      actionNode?.removeAttribute('aria-busy');
    }
  };

  const runAction = async (action, event, node) => {
    if (action.disabled || (pending && action.copy_text === undefined)) return;
    if (action.copy_text !== undefined) {
      const copied = await copyText(action.copy_text);
      if (copied) toast?.({ level: 'success', title: 'Скопировано', body: action.copy_text });
      else showManualCopy(action.copy_text, node);
      return;
    }
    if (action.close) { close(); return; }
    if (action.confirm && !(await askConfirmation({ title: action.label, text: action.confirm,
      yes: `Да, ${String(action.label ?? '').toLowerCase()}`, no: 'Нет', danger: action.style === 'danger' }))) return;
    if (action.submit && !validateLocally()) return;
    await dispatch(event, node);
  };

  const actionButton = (action, event) => {
    const node = el('button', {
      type: 'button', class: `btn btn-${action.style ?? 'secondary'}`, disabled: action.disabled,
      title: action.copy_text !== undefined ? action.copy_text : undefined,
      dataset: action.submit ? { action: action.id, submit: 'true' } : { action: action.id },
    }, action.label);
    node.addEventListener('click', () => runAction(action, event, node));
    return node;
  };

  const renderValue = (element) => {
    const wrap = el('div', { class: `view-value kind-${element.kind ?? 'text'}`, dataset: { element: element.id ?? '' } }, el('div', { class: 'label' }, element.label ?? ''));
    const body = el('div', { class: 'value-body' });
    const href = (element.kind === 'url' || element.kind === 'pay_url') ? safeHref(element.value) : null;
    if (href) {
      body.append(el('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'value-link' }, element.value));
    } else {
      body.append(el('span', { class: 'value-text' }, element.value));
    }
    if (element.copy || element.kind === 'pay_url') {
      const button = el('button', { type: 'button', class: 'btn btn-link', dataset: { action: 'copy-value' } }, 'Скопировать');
      button.addEventListener('click', async () => {
        if (await copyText(element.value)) toast?.({ level: 'success', title: 'Скопировано', body: element.value });
        else showManualCopy(element.value, button);
      });
      body.append(button);
    }
    wrap.append(body);
    if (element.kind === 'pay_url' && element.value) {
      const qr = el('img', { class: 'qr', alt: `QR-код: ${element.value}`, width: 164, height: 164, src: `/api/qr.svg?text=${encodeURIComponent(element.value)}` });
      qr.addEventListener('error', () => qr.replaceWith(el('div', { class: 'qr qr-missing muted small' }, 'QR-код недоступен')));
      wrap.append(qr);
    }
    return wrap;
  };

  const renderCell = (cell) => {
    if (cell === undefined || cell === null) return '';
    if (typeof cell === 'string') return cell;
    return el('span', { class: `badge tone-${cell.tone ?? 'neutral'}` }, cell.text);
  };

  const renderTable = (element) => {
    const table = el('table', { class: 'grid', dataset: { table: element.id ?? '' } });
    const hasActions = element.rows.some((row) => row.actions?.length);
    table.append(el('thead', {}, el('tr', {},
      element.columns.map((col) => el('th', { scope: 'col', class: `align-${col.align ?? 'left'}` }, col.label)),
      hasActions ? el('th', { scope: 'col', class: 'col-actions' }, el('span', { class: 'sr-only' }, 'Действия')) : null)));
    const body = el('tbody');
    if (element.rows.length === 0) {
      body.append(el('tr', {}, el('td', { colspan: element.columns.length + (hasActions ? 1 : 0), class: 'muted' }, element.empty_text ?? '')));
    }
    for (const row of element.rows) {
      const tr = el('tr', { dataset: { row: row.key } });
      for (const col of element.columns) {
        tr.append(el('td', { class: `align-${col.align ?? 'left'}`, dataset: { col: col.key } }, renderCell(row.cells?.[col.key])));
      }
      if (hasActions) {
        tr.append(el('td', { class: 'row-actions' }, el('div', { class: 'row-actions-list' }, (row.actions ?? []).map((action) =>
          actionButton(action, { kind: 'row_action', action: action.id, table: element.id ?? null, row_key: row.key })))));
      }
      body.append(tr);
    }
    table.append(body);
    return el('div', { class: 'table-wrap' }, table);
  };

  const renderField = (field) => {
    const id = `f-${sessionId}-${field.name}`;
    const spec = JSON.stringify(field);
    const errorId = `${id}-error`;
    let input;
    if (field.type === 'textarea') {
      input = el('textarea', { id, rows: field.rows ?? 4, maxlength: field.max_length, readonly: field.readonly, placeholder: field.placeholder, dataset: { field: field.name, spec } });
      input.value = field.value ?? '';
    } else if (field.type === 'select') {
      input = el('select', { id, disabled: field.readonly, dataset: { field: field.name, spec } },
        field.options.map((option) => el('option', { value: option.value, selected: option.value === field.value }, option.label)));
    } else if (field.type === 'checkbox') {
      input = el('input', { id, type: 'checkbox', checked: Boolean(field.value), disabled: field.readonly, 'aria-describedby': errorId, dataset: { field: field.name, spec } });
      return el('div', { class: `field field-checkbox${field.error ? ' has-error' : ''}` }, el('label', { for: id }, input, ' ', field.label),
        field.help ? el('div', { class: 'help' }, field.help) : null,
        el('div', { id: errorId, class: 'field-error', dataset: { errorFor: field.name } }, field.error ?? ''));
    } else {
      const money = field.type === 'money';
      input = el('input', {
        id, type: money ? 'text' : (field.input ?? 'text'), inputmode: money ? 'decimal' : undefined,
        maxlength: field.max_length, readonly: field.readonly, placeholder: field.placeholder,
        dataset: { field: field.name, spec, kind: money ? 'money' : 'text' },
      });
      input.value = money && field.value ? formatDecimalInput(field.value) : (field.value ?? '');
      input.dataset.initial = input.value;
      if (money) input = el('span', { class: 'money-input' }, input, el('span', { class: 'currency' }, field.currency === 'RUB' ? '₽' : field.currency));
    }
    const control = input.matches('[data-field]') ? input : input.querySelector('[data-field]');
    if (!control.dataset.initial) control.dataset.initial = control.value ?? '';
    control.setAttribute('aria-describedby', field.help ? `${errorId} ${id}-help` : errorId);
    if (field.required) control.setAttribute('aria-required', 'true');
    if (field.error) control.setAttribute('aria-invalid', 'true');
    return el('div', { class: `field${field.error ? ' has-error' : ''}` },
      el('label', { for: id }, field.label, field.required ? el('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
      input,
      field.help ? el('div', { id: `${id}-help`, class: 'help' }, field.help) : null,
      el('div', { id: errorId, class: 'field-error', dataset: { errorFor: field.name } }, field.error ?? ''));
  };

  // A file the plugin hands over inside its view (API 1.5 "download"): saved from the view's own
  // text, nothing fetched. The name is checked again here, so it can never be a path, and only
  // the two text types the schema allows are used.
  const safeFilename = (name) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name ?? '') ? name : 'download.txt');
  const renderDownload = (element) => el('button', {
    type: 'button', class: 'btn download', dataset: { download: element.id ?? '' },
    onclick: () => {
      const type = element.media_type === 'text/csv' ? 'text/csv' : 'text/plain';
      const url = URL.createObjectURL(new Blob([element.content ?? ''], { type: `${type};charset=utf-8` }));
      const a = el('a', { href: url, download: safeFilename(element.filename) });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  }, element.label);

  const renderElement = (element) => {
    switch (element.type) {
      case 'text': return el('p', { class: `text style-${element.style ?? 'normal'}` }, element.text);
      case 'notice': return el('div', { class: `notice level-${element.level ?? 'info'}`, role: element.level === 'error' ? 'alert' : undefined },
        element.title ? el('strong', {}, element.title) : null, element.text ? el('div', {}, element.text) : null);
      case 'value': return renderValue(element);
      case 'fields': return el('dl', { class: 'fields' }, element.items.map((item) => [
        el('dt', {}, item.label), el('dd', {}, item.tone ? el('span', { class: `badge tone-${item.tone}` }, item.value) : item.value)]));
      case 'table': return renderTable(element);
      case 'download': return renderDownload(element);
      case 'form': return el('form', { class: 'view-form', dataset: { form: element.id ?? '' }, onsubmit: (e) => e.preventDefault() },
        element.fields.map(renderField));
      default: return el('p', { class: 'muted' }, `(неизвестный элемент ${element.type})`);
    }
  };

  function render(next) {
    if (!next || next.schema !== 'pms.view/1') {
      toast?.({ level: 'error', title: 'Модуль прислал неверное окно', body: 'Окно не может быть показано' });
      return;
    }
    current = next;
    const hadFocus = dialog.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = hadFocus?.dataset?.field ?? null;
    dialog.className = `modal ${asPage ? 'view-page' : `size-${next.size ?? 'medium'}`}${next.busy ? ' is-busy' : ''}${pending ? ' is-pending' : ''}`;
    dialog.setAttribute('aria-busy', next.busy || pending ? 'true' : 'false');
    const closeButton = asPage
      ? el('button', { type: 'button', class: 'modal-close', 'aria-label': 'Закрыть страницу', title: 'Закрыть страницу' }, '×')
      : el('button', { type: 'button', class: 'modal-close', 'aria-label': 'Закрыть', title: 'Закрыть (Esc)' }, '×');
    closeButton.addEventListener('click', close);
    dialog.replaceChildren(
      el('div', { class: 'modal-head' }, el(asPage ? 'h1' : 'h2', { id: titleId }, next.title), closeButton),
      el('div', { class: 'modal-progress', 'aria-hidden': 'true' }),
      el('div', { class: 'modal-body' }, next.busy ? el('div', { class: 'progress' }, el('span', { class: 'spinner' }), 'Выполняется…') : null,
        next.elements.map(renderElement)),
      el('div', { class: 'modal-alert notice level-error', role: 'alert', hidden: true }),
      el('div', { class: 'modal-foot' }, (next.buttons ?? []).map((button) =>
        actionButton(button.disabled || !next.busy ? button : { ...button, disabled: true }, { kind: 'button', action: button.id, table: null, row_key: null }))));
    // Enter in a one-line field presses the view's first submitting button.
    for (const input of dialog.querySelectorAll('input[data-field]')) {
      input.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' || e.isComposing) return;
        e.preventDefault();
        dialog.querySelector('.modal-foot button[data-submit="true"]:not([disabled])')?.click();
      });
    }
    // Focus: keep it on the field staff were typing in; else the first field with an error,
    // else the first field, else the dialog itself.
    const target = (focusKey && dialog.querySelector(`[data-field="${CSS.escape(focusKey)}"]`))
      ?? dialog.querySelector('.field.has-error [data-field]')
      ?? dialog.querySelector('[data-field]:not([readonly]):not([disabled])');
    // A page takes the focus only when it had it before this render: a live push must not pull
    // the caret out of the menu, and the app puts the focus on a new page's heading itself.
    if (asPage && !hadFocus) return;
    (target ?? dialog).focus({ preventScroll: true });
  }

  // Shows `next` unless a newer view of this session is already shown.
  function show(next, nextRevision) {
    const known = Number.isSafeInteger(nextRevision) && nextRevision > 0;
    if (known && nextRevision < shownRevision) return;
    if (known) shownRevision = nextRevision;
    render(next);
  }

  show(view, revision);
  return { update: show, close, root: dialog, get view() { return current; } };
}

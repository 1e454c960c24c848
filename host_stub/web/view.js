// Renders a plugin's declarative dialog ("pms.view/1", plugin_api/schema/view-v1.md) and turns
// staff actions into "pms.view-event/1" documents. Every word shown comes from the view; this
// file knows nothing about any provider.
import { el, normaliseMoneyInput, compareDecimal, formatDecimalInput } from './format.js';
import { copyText, showManualCopy } from './clipboard.js';

// Links a plugin marks as URLs open only when they are web addresses (never javascript: etc.).
const safeHref = (value) => (/^https?:\/\//i.test(String(value ?? '')) ? String(value) : null);

/**
 * Opens a dialog for a view session.
 *  send(event) -> Promise<view|null>: delivers a view event, resolves with the next view
 *  (null = close).  onClose(): the dialog was closed by staff.
 * Returns {update(view), close(), root}.
 */
export function openViewDialog({ view, sessionId, send, onClose, toast }) {
  const backdrop = el('div', { class: 'modal-backdrop' });
  const titleId = `vt-${sessionId}`;
  const dialog = el('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, tabindex: -1, dataset: { session: sessionId } });
  backdrop.append(dialog);
  document.getElementById('modal-root').append(backdrop);
  let current = null;
  let pending = false;
  let closed = false;

  const onKey = (e) => {
    // Escape closes the top-most dialog only, and not while a question is being answered.
    if (e.key !== 'Escape' || closed) return;
    const backdrops = document.querySelectorAll('#modal-root .modal-backdrop');
    if (backdrops[backdrops.length - 1] !== backdrop) return;
    e.preventDefault();
    close();
  };
  const close = () => {
    if (closed) return;
    closed = true;
    document.removeEventListener('keydown', onKey);
    backdrop.remove();
    onClose?.();
  };
  document.addEventListener('keydown', onKey);

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

  const validateLocally = () => {
    let ok = true;
    for (const input of dialog.querySelectorAll('[data-field]')) {
      const field = JSON.parse(input.dataset.spec);
      let message = null;
      const value = input.type === 'checkbox' ? input.checked : input.value.trim();
      if (field.required && (value === '' || value === false)) message = 'Заполните поле';
      else if (field.type === 'money' && value !== '') {
        const money = normaliseMoneyInput(value);
        if (money === null) message = 'Введите сумму, например 1550,00';
        else if (field.min && compareDecimal(money, field.min) < 0) message = `Не меньше ${formatDecimalInput(field.min)}`;
        else if (field.max && compareDecimal(money, field.max) > 0) message = `Не больше ${formatDecimalInput(field.max)}`;
      } else if (field.pattern && value !== '' && !new RegExp(field.pattern).test(value)) {
        message = 'Неверный формат';
      }
      const slot = dialog.querySelector(`[data-error-for="${CSS.escape(field.name)}"]`);
      if (slot) slot.textContent = message ?? field.error ?? '';
      slot?.closest('.field')?.classList.toggle('has-error', Boolean(message ?? field.error));
      if (message) {
        if (ok) input.focus();
        ok = false;
      }
    }
    return ok;
  };

  const dispatch = async (event, actionNode) => {
    if (pending || closed) return;
    setPending(true);
    actionNode?.setAttribute('aria-busy', 'true');
    try {
      const next = await send({ schema: 'pms.view-event/1', view_session_id: sessionId, values: collectValues(), ...event });
      if (next === null) close();
      else if (next) render(next);
    } catch (error) {
      toast?.({ level: 'error', title: 'Действие не выполнено', body: error.message });
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
    if (action.confirm && !window.confirm(action.confirm)) return;
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
      element.columns.map((col) => el('th', { class: `align-${col.align ?? 'left'}` }, col.label)),
      hasActions ? el('th', {}, '') : null)));
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
    let input;
    if (field.type === 'textarea') {
      input = el('textarea', { id, rows: field.rows ?? 4, maxlength: field.max_length, readonly: field.readonly, placeholder: field.placeholder, dataset: { field: field.name, spec } });
      input.value = field.value ?? '';
    } else if (field.type === 'select') {
      input = el('select', { id, disabled: field.readonly, dataset: { field: field.name, spec } },
        field.options.map((option) => el('option', { value: option.value, selected: option.value === field.value }, option.label)));
    } else if (field.type === 'checkbox') {
      input = el('input', { id, type: 'checkbox', checked: Boolean(field.value), disabled: field.readonly, dataset: { field: field.name, spec } });
      return el('div', { class: 'field field-checkbox' }, el('label', { for: id }, input, ' ', field.label),
        field.help ? el('div', { class: 'help' }, field.help) : null,
        el('div', { class: 'field-error', dataset: { errorFor: field.name } }, field.error ?? ''));
    } else {
      const money = field.type === 'money';
      input = el('input', {
        id, type: money ? 'text' : (field.input ?? 'text'), inputmode: money ? 'decimal' : undefined,
        maxlength: field.max_length, readonly: field.readonly, placeholder: field.placeholder,
        dataset: { field: field.name, spec, kind: money ? 'money' : 'text' },
      });
      input.value = money && field.value ? formatDecimalInput(field.value) : (field.value ?? '');
      if (money) input = el('span', { class: 'money-input' }, input, el('span', { class: 'currency' }, field.currency === 'RUB' ? '₽' : field.currency));
    }
    return el('div', { class: `field${field.error ? ' has-error' : ''}` },
      el('label', { for: id }, field.label, field.required ? el('span', { class: 'required' }, ' *') : null),
      input,
      field.help ? el('div', { class: 'help' }, field.help) : null,
      el('div', { class: 'field-error', dataset: { errorFor: field.name } }, field.error ?? ''));
  };

  const renderElement = (element) => {
    switch (element.type) {
      case 'text': return el('p', { class: `text style-${element.style ?? 'normal'}` }, element.text);
      case 'notice': return el('div', { class: `notice level-${element.level ?? 'info'}`, role: element.level === 'error' ? 'alert' : undefined },
        element.title ? el('strong', {}, element.title) : null, element.text ? el('div', {}, element.text) : null);
      case 'value': return renderValue(element);
      case 'fields': return el('dl', { class: 'fields' }, element.items.map((item) => [
        el('dt', {}, item.label), el('dd', {}, item.tone ? el('span', { class: `badge tone-${item.tone}` }, item.value) : item.value)]));
      case 'table': return renderTable(element);
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
    dialog.className = `modal size-${next.size ?? 'medium'}${next.busy ? ' is-busy' : ''}${pending ? ' is-pending' : ''}`;
    dialog.setAttribute('aria-busy', next.busy || pending ? 'true' : 'false');
    const closeButton = el('button', { type: 'button', class: 'modal-close', 'aria-label': 'Закрыть', title: 'Закрыть (Esc)' }, '×');
    closeButton.addEventListener('click', close);
    dialog.replaceChildren(
      el('div', { class: 'modal-head' }, el('h2', { id: titleId }, next.title), closeButton),
      el('div', { class: 'modal-progress', 'aria-hidden': 'true' }),
      el('div', { class: 'modal-body' }, next.busy ? el('div', { class: 'progress' }, el('span', { class: 'spinner' }), 'Выполняется…') : null,
        next.elements.map(renderElement)),
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
    (target ?? dialog).focus({ preventScroll: true });
  }

  render(view);
  return { update: render, close, root: dialog, get view() { return current; } };
}

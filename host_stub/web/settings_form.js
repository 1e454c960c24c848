// Renders a plugin's settings page from its schema (the JSON Schema subset of
// plugin_api/schema/settings-schema-subset.md) and collects the values back.
// Secrets are write-only: the host tells only whether one is set; the input starts empty and a
// blank secret on save keeps the stored value.
import { el } from './format.js';

const orderedKeys = (schema) => {
  const keys = Object.keys(schema.properties ?? {});
  const order = schema['x-order'] ?? [];
  const rest = keys.filter((k) => !order.includes(k)).sort();
  return [...order.filter((k) => keys.includes(k)), ...rest];
};

/**
 * Builds the form. `values` are the saved settings (no secrets), `secretsSet` maps JSON
 * Pointers of secrets to true when a value is stored, `legalEntities` is [{id, name}].
 * Returns {node, collect(), showErrors(errors)}.
 */
export function buildSettingsForm({ schema, values, secretsSet, legalEntities, prefilled = [] }) {
  const inputs = new Map(); // JSON Pointer -> {input, spec}
  const arrays = new Map(); // JSON Pointer of an array -> {count()}
  const removed = new Set();
  const required = new Set(schema.required ?? []);

  const scalarInput = (pointer, spec, value, declaredRequired) => {
    // A value the host fills in (API 1.3 "x-prefill") is one the plugin cannot work without.
    const isRequired = declaredRequired || Boolean(spec['x-prefill']);
    const id = `s-${pointer.replaceAll('/', '_')}`;
    let input;
    const widget = spec['x-widget'] ?? (spec.enum ? 'select' : spec.type === 'boolean' ? 'checkbox' : 'text');
    if (spec['x-secret']) {
      const isSet = secretsSet?.[pointer] === true;
      input = el('input', { id, type: 'password', autocomplete: 'new-password', spellcheck: 'false',
        placeholder: isSet ? '•••••••• сохранён; оставьте пустым, чтобы не менять' : 'не задан' });
      input.dataset.secret = isSet ? 'set' : 'unset';
    } else if (widget === 'checkbox' || spec.type === 'boolean') {
      input = el('input', { id, type: 'checkbox', checked: Boolean(value ?? spec.default) });
    } else if (widget === 'select' && spec.enum) {
      const labels = spec['x-enum-labels'] ?? spec.enum;
      const current = value ?? spec.default ?? spec.enum[0];
      input = el('select', { id }, spec.enum.map((option, i) => el('option', { value: option, selected: option === current }, labels[i])));
    } else if (widget === 'legal-entity') {
      input = el('select', { id }, el('option', { value: '' }, '—'),
        (legalEntities ?? []).map((entity) => el('option', { value: entity.id, selected: entity.id === value }, entity.name)));
    } else if (widget === 'textarea') {
      input = el('textarea', { id, rows: 5, placeholder: spec['x-placeholder'] });
      input.value = value ?? spec.default ?? '';
    } else {
      const numeric = spec.type === 'integer' || spec.type === 'number';
      input = el('input', {
        id, type: widget === 'password' ? 'password' : numeric ? 'number' : spec.format === 'email' ? 'email' : spec.format === 'uri' ? 'url' : 'text',
        placeholder: spec['x-placeholder'] ?? (spec.format === 'uuid' ? 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' : undefined),
        readonly: spec.readOnly, min: spec.minimum, max: spec.maximum, step: spec.type === 'integer' ? 1 : undefined,
        maxlength: spec.maxLength, spellcheck: spec.format ? 'false' : undefined, autocomplete: 'off',
      });
      input.value = value ?? spec.default ?? '';
    }
    input.dataset.pointer = pointer;
    input.setAttribute('aria-describedby', spec.description ? `${id}-error ${id}-help` : `${id}-error`);
    if (isRequired) input.setAttribute('aria-required', 'true');
    inputs.set(pointer, { input, spec });
    const secretBadge = spec['x-secret']
      ? el('span', { class: `badge ${secretsSet?.[pointer] ? 'tone-success' : 'tone-warning'}` }, secretsSet?.[pointer] ? 'сохранён' : 'не задан')
      : null;
    return el('div', { class: 'field', dataset: { pointer } },
      el('label', { for: id }, spec.title ?? pointer, isRequired ? el('span', { class: 'required' }, ' *') : null, secretBadge ? ' ' : null, secretBadge),
      input,
      spec.description ? el('div', { id: `${id}-help`, class: 'help' }, spec.description) : null,
      prefilled.includes(pointer) ? el('div', { class: 'help', dataset: { prefilled: pointer } }, 'Подставлен адрес этого отеля в PMS; проверьте и сохраните') : null,
      el('div', { id: `${id}-error`, class: 'field-error', dataset: { errorFor: pointer } }));
  };

  const arrayBlock = (pointer, spec, items) => {
    const list = el('div', { class: 'array-items' });
    const itemSchema = spec.items ?? { properties: {} };
    // Items keep their index (secrets are addressed by it); a removed item is dropped on save.
    let count = 0;
    const addItem = (item) => {
      const index = count++;
      const remove = el('button', { type: 'button', class: 'btn btn-link btn-danger-link' }, 'Удалить');
      const box = el('fieldset', { class: 'array-item', dataset: { index: String(index) } },
        el('legend', {}, `№${index + 1} `, remove));
      for (const key of orderedKeys(itemSchema)) {
        box.append(scalarInput(`${pointer}/${index}/${key}`, itemSchema.properties[key], item?.[key], (itemSchema.required ?? []).includes(key)));
      }
      remove.addEventListener('click', () => {
        for (const key of [...inputs.keys()]) if (key.startsWith(`${pointer}/${index}/`)) inputs.delete(key);
        removed.add(index);
        box.remove();
      });
      list.append(box);
    };
    (items ?? []).forEach(addItem);
    const add = el('button', { type: 'button', class: 'btn btn-link' }, '+ Добавить');
    add.addEventListener('click', () => addItem({}));
    arrays.set(pointer, { count: () => count });
    return el('div', { class: 'field-array' }, el('h3', {}, spec.title ?? pointer), spec.description ? el('div', { class: 'help' }, spec.description) : null, list, add);
  };

  const form = el('form', { class: 'settings-form', onsubmit: (e) => e.preventDefault() });
  let group = null;
  for (const key of orderedKeys(schema)) {
    const spec = schema.properties[key];
    if (spec['x-group'] && spec['x-group'] !== group) {
      group = spec['x-group'];
      form.append(el('h3', { class: 'group' }, group));
    }
    const pointer = `/${key}`;
    form.append(spec.type === 'array' ? arrayBlock(pointer, spec, values?.[key]) : scalarInput(pointer, spec, values?.[key], required.has(key)));
  }
  const formError = el('div', { class: 'notice level-error', hidden: true, role: 'alert' });
  form.prepend(formError);

  const collect = () => {
    const out = {};
    for (const [pointer, { input, spec }] of inputs) {
      const parts = pointer.split('/').slice(1);
      let target = out;
      for (let i = 0; i < parts.length - 1; i++) {
        const nextIsIndex = /^\d+$/.test(parts[i + 1]);
        target[parts[i]] ??= nextIsIndex ? [] : {};
        target = target[parts[i]];
      }
      const last = parts[parts.length - 1];
      if (input.type === 'checkbox') target[last] = input.checked;
      else if (spec.type === 'integer' || spec.type === 'number') {
        const number = spec.type === 'integer' ? Number.parseInt(input.value, 10) : Number(input.value);
        if (input.value.trim() === '' || Number.isNaN(number)) delete target[last];
        else target[last] = number;
      } else target[last] = input.value;
    }
    // Array items removed on the page leave holes: close them up (pointers are index based,
    // so this only renumbers what is saved; blank secrets of moved items are not kept).
    for (const pointer of arrays.keys()) {
      const key = pointer.slice(1);
      if (Array.isArray(out[key])) out[key] = out[key].filter((x) => x !== undefined);
      else out[key] = [];
    }
    return out;
  };

  const showErrors = (errors) => {
    const focusFirst = () => {
      const first = form.querySelector('.field.has-error :is(input, select, textarea)');
      first?.focus();
      first?.scrollIntoView({ block: 'center' });
    };
    queueMicrotask(focusFirst);
    for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
    for (const field of form.querySelectorAll('.field.has-error')) field.classList.remove('has-error');
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    formError.hidden = !errors?.form;
    formError.textContent = errors?.form ?? '';
    for (const [pointer, message] of Object.entries(errors?.fields ?? {})) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(pointer)}"]`);
      if (slot) {
        slot.textContent = message;
        slot.closest('.field')?.classList.add('has-error');
        inputs.get(pointer)?.input.setAttribute('aria-invalid', 'true');
      } else {
        formError.hidden = false;
        formError.textContent += `${pointer}: ${message}\n`;
      }
    }
  };

  // The schema's own rules, checked here first so staff get the message at once and in Russian
  // (the host checks them again, then the plugin's validate()).
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const requiredAt = (pointer) => {
    if (inputs.get(pointer)?.spec?.['x-prefill']) return true;
    const parts = pointer.split('/').slice(1);
    if (parts.length === 1) return required.has(parts[0]);
    const arraySpec = schema.properties?.[parts[0]];
    return (arraySpec?.items?.required ?? []).includes(parts[2]);
  };
  const schemaError = (pointer, input, spec) => {
    if (input.type === 'checkbox') return null;
    const value = input.value.trim();
    if (spec['x-secret']) {
      return value === '' && requiredAt(pointer) && !secretsSet?.[pointer] ? 'Заполните поле' : null;
    }
    if (value === '') return requiredAt(pointer) && !spec.readOnly ? 'Заполните поле' : null;
    if (spec.type === 'integer' || spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) return 'Введите целое число';
      if (spec.minimum !== undefined && n < spec.minimum) return `Не меньше ${spec.minimum}`;
      if (spec.maximum !== undefined && n > spec.maximum) return `Не больше ${spec.maximum}`;
      return null;
    }
    if (spec.minLength !== undefined && value.length < spec.minLength) return `Не короче ${spec.minLength} символов`;
    if (spec.maxLength !== undefined && value.length > spec.maxLength) return `Не длиннее ${spec.maxLength} символов`;
    if (spec.format === 'uuid' && !UUID.test(value)) return 'Нужен идентификатор вида xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
    if (spec.format === 'uri' && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value)) return 'Нужен адрес вида https://…';
    if (spec.format === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)) return 'Нужен адрес e-mail';
    if (spec.pattern) {
      try { if (!new RegExp(spec.pattern, 'u').test(value)) return 'Неверный формат'; } catch { /* the host checks it */ }
    }
    return null;
  };

  // Problems found before asking the host: the schema's rules above, and a secret of an array
  // item that moved up after an item above it was removed must be typed again (the host keeps
  // blank secrets by position).
  const localErrors = () => {
    const fields = {};
    for (const [pointer, { input, spec }] of inputs) {
      const problem = schemaError(pointer, input, spec);
      if (problem) fields[pointer] = problem;
    }
    for (const [pointer, { input, spec }] of inputs) {
      const m = /^(\/[^/]+)\/(\d+)\//.exec(pointer);
      if (!m || !spec['x-secret'] || input.value !== '') continue;
      const index = Number(m[2]);
      if ([...removed].some((r) => r < index)) fields[pointer] = 'Введите заново: запись сдвинулась после удаления записи выше';
    }
    if (!Object.keys(fields).length) return null;
    return { fields, form: null, first: [...inputs.keys()].find((k) => fields[k]) };
  };

  // As the admin types: an error shown next to a field (the page's own or the host's) is checked
  // again against the schema and disappears as soon as the value is right.
  const recheck = (e) => {
    const pointer = e.target?.dataset?.pointer;
    const entry = pointer ? inputs.get(pointer) : null;
    const field = e.target.closest?.('.field');
    // A prefilled field is checked on every keystroke: replacing the host's URL by hand is
    // where a typo would break notifications silently.
    const always = Boolean(entry?.spec?.['x-prefill']);
    if (!entry || !field || (!always && !field.classList.contains('has-error'))) return;
    const problem = schemaError(pointer, entry.input, entry.spec);
    const slot = field.querySelector('.field-error');
    if (problem) {
      if (slot) slot.textContent = problem;
      field.classList.add('has-error');
      entry.input.setAttribute('aria-invalid', 'true');
      return;
    }
    if (slot) slot.textContent = '';
    field.classList.remove('has-error');
    entry.input.removeAttribute('aria-invalid');
  };
  form.addEventListener('input', recheck);
  form.addEventListener('change', recheck);

  return { node: form, collect, showErrors, localErrors };
}

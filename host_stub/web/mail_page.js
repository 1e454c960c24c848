// «Почта»: the sender of the mail modules send to guests (GET/PUT .../mail-settings, permission
// integrations.admin). The host fills in a default that guests can trust — the hotel's name and
// no-reply@ the PMS's public host — so the form is never empty; a sender fixed on the host's
// command line (--mail-from) wins and the page says so, since saving then changes nothing yet.
import { api, ApiError, errorText } from './api.js';
import { el, breadcrumbs } from './format.js';

// The host checks the address again (the same rule as here, plus more).
const ADDRESS = /^[^\s@<>",;]+@([^\s@<>",;.]+\.)+[^\s@<>",;.]+$/;

function field(id, label, input, help) {
  input.id = id;
  const error = el('div', { id: `${id}-error`, class: 'field-error', dataset: { errorFor: `/${id.replace('mail-', 'sender_')}` } });
  input.setAttribute('aria-describedby', help ? `${id}-error ${id}-help` : `${id}-error`);
  input.setAttribute('aria-required', 'true');
  return el('div', { class: 'field' }, el('label', { for: id }, label, el('span', { class: 'required' }, ' *')), input,
    help ? el('div', { id: `${id}-help`, class: 'help' }, help) : null, error);
}

export async function renderMailPage(main, { property, toast, isCurrent }) {
  const data = await api.mailSettings(property.id);
  if (!isCurrent()) return;
  const name = el('input', { name: 'sender_name', autocomplete: 'off', maxlength: 100 });
  const address = el('input', { name: 'sender_address', type: 'email', autocomplete: 'off', spellcheck: 'false' });
  name.value = data.sender_name ?? '';
  address.value = data.sender_address ?? '';
  const save = el('button', { type: 'submit', class: 'btn btn-primary', dataset: { action: 'save-mail' } }, 'Сохранить');
  const form = el('form', { class: 'panel mail-settings', 'aria-label': 'Отправитель писем', novalidate: true },
    el('h2', {}, 'Отправитель писем гостям'),
    el('p', { class: 'muted' }, 'Так гость увидит, от кого пришло письмо модуля (например, со ссылкой на оплату).'),
    data.source === 'default' ? el('p', { class: 'notice level-info', dataset: { mailSource: 'default' } },
      'Пока не сохранено: показано значение по умолчанию — название отеля и адрес на домене PMS.') : null,
    data.effective?.source === 'command_line' ? el('p', { class: 'notice level-warning', dataset: { mailSource: 'command_line' } },
      `Сейчас письма уходят от «${data.effective.name}» <${data.effective.address}>: так задано в параметрах запуска PMS, и это важнее настроек на этой странице.`) : null,
    field('mail-name', 'Имя отправителя', name, 'Обычно название отеля'),
    field('mail-address', 'Адрес отправителя', address, 'Например, no-reply@hotel.ru; почтовый сервер отеля должен разрешать отправку с этого адреса'),
    el('div', { class: 'toolbar' }, save));
  const errorSlot = (input) => form.querySelector(`#${input.id}-error`);
  const check = (input) => {
    const value = input.value.trim();
    const problem = value === '' ? 'Заполните поле'
      : input === address && !ADDRESS.test(value) ? 'Введите адрес электронной почты, например no-reply@hotel.ru' : '';
    errorSlot(input).textContent = problem;
    input.closest('.field').classList.toggle('has-error', problem !== '');
    if (problem) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    return problem === '';
  };
  // Checked as the admin types, so the mistake is seen before Save.
  for (const input of [name, address]) input.addEventListener('input', () => check(input));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = [name, address].map(check).every(Boolean);
    if (!ok) { form.querySelector('[aria-invalid]')?.focus(); return; }
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    try {
      await api.saveMailSettings(property.id, { sender_name: name.value.trim(), sender_address: address.value.trim() });
      toast({ level: 'success', title: 'Настройки почты сохранены' });
      await renderMailPage(main, { property, toast, isCurrent });
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        for (const [pointer, message] of Object.entries(error.body?.errors ?? {})) {
          const slot = form.querySelector(`[data-error-for="${CSS.escape(pointer)}"]`);
          if (slot) { slot.textContent = message; slot.closest('.field').classList.add('has-error'); }
        }
        toast({ level: 'warning', title: 'Настройки почты не сохранены', body: 'Исправьте поля, отмеченные красным' });
      } else {
        toast({ level: 'error', title: 'Не удалось сохранить', body: errorText(error) });
      }
    } finally {
      save.disabled = false;
      save.removeAttribute('aria-busy');
    }
  });
  main.replaceChildren(breadcrumbs(['Администрирование', 'Разное', 'Почта']), el('h1', {}, 'Почта'),
    el('p', { class: 'muted' }, `Отель «${property.name}»`), form);
}

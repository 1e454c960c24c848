// «Сотрудники»: staff accounts for admins (permission users.admin). Lists every account with its
// role, adds one, and disables or re-enables it — a disabled member loses every session within a
// second (the host re-checks sessions), so a fired employee is out at once.
import { api, ApiError, errorText } from './api.js';
import { el, breadcrumbs } from './format.js';

const ROLES = [
  ['front_desk', 'Служба приёма'],
  ['accountant', 'Бухгалтер'],
  ['admin', 'Администратор'],
];

// A labelled control: the label names only the control (not its options or its error).
function field(label, input, error) {
  input.id = `staff-add-${input.name}`;
  error.id = `${input.id}-error`;
  input.setAttribute('aria-describedby', error.id);
  return el('div', { class: 'field' }, el('label', { for: input.id }, label), input, error);
}

function addForm(onAdded, toast) {
  const login = el('input', { name: 'login', required: true, autocomplete: 'off', spellcheck: 'false' });
  const name = el('input', { name: 'name', required: true, autocomplete: 'off' });
  const role = el('select', { name: 'role' }, ...ROLES.map(([value, text]) => el('option', { value }, text)));
  const password = el('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const errors = {
    '/login': el('span', { class: 'field-error', role: 'alert' }),
    '/name': el('span', { class: 'field-error', role: 'alert' }),
    '/role': el('span', { class: 'field-error', role: 'alert' }),
    '/password': el('span', { class: 'field-error', role: 'alert' }),
  };
  const submit = el('button', { type: 'submit', class: 'btn btn-primary' }, 'Добавить сотрудника');
  const form = el('form', { class: 'panel staff-add', 'aria-label': 'Новый сотрудник' },
    el('h2', {}, 'Новый сотрудник'),
    field('Логин', login, errors['/login']),
    field('Имя', name, errors['/name']),
    field('Роль', role, errors['/role']),
    field('Пароль', password, errors['/password']),
    el('div', { class: 'toolbar' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const span of Object.values(errors)) span.textContent = '';
    submit.disabled = true;
    try {
      await api.addUser({ login: login.value.trim(), name: name.value.trim(), role: role.value, password: password.value });
      toast({ level: 'success', title: 'Сотрудник добавлен', body: `${name.value.trim()} (${login.value.trim()})` });
      form.reset();
      await onAdded();
    } catch (error) {
      const fields = error instanceof ApiError ? error.body?.errors : null;
      if (fields) {
        for (const [pointer, message] of Object.entries(fields)) if (errors[pointer]) errors[pointer].textContent = message;
      } else {
        toast({ level: 'error', title: 'Сотрудник не добавлен', body: errorText(error) });
      }
    } finally {
      submit.disabled = false;
      password.value = '';
    }
  });
  return form;
}

export async function renderStaffPage(main, { currentLogin, toast, isCurrent }) {
  const { users } = await api.users();
  if (!isCurrent()) return;
  const rows = users.map((u) => {
    const self = u.login === currentLogin;
    const toggle = el('button', { type: 'button', class: u.disabled ? 'btn' : 'btn btn-danger', disabled: self,
      dataset: { user: u.login }, title: self ? 'Свою учётную запись отключить нельзя' : '' },
    u.disabled ? 'Включить' : 'Отключить');
    toggle.addEventListener('click', async () => {
      toggle.disabled = true;
      try {
        await api.setUserDisabled(u.login, !u.disabled);
        toast({ level: 'success', title: u.disabled ? 'Учётная запись включена' : 'Учётная запись отключена', body: u.name });
      } catch (error) {
        toast({ level: 'error', title: 'Не удалось изменить учётную запись', body: errorText(error) });
      }
      await renderStaffPage(main, { currentLogin, toast, isCurrent });
    });
    return el('tr', { dataset: { login: u.login } },
      el('td', {}, u.login), el('td', {}, u.name), el('td', {}, u.role_name ?? u.role),
      el('td', {}, u.disabled ? 'отключена' : 'активна'), el('td', {}, toggle));
  });
  const table = el('table', { class: 'grid staff-table' },
    el('caption', { class: 'sr-only' }, 'Учётные записи сотрудников'),
    el('thead', {}, el('tr', {}, ...['Логин', 'Имя', 'Роль', 'Состояние', 'Действия'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows));
  main.replaceChildren(breadcrumbs(['Администрирование', 'Сотрудники']), el('h1', {}, 'Сотрудники'),
    el('section', { class: 'panel' }, table),
    addForm(() => renderStaffPage(main, { currentLogin, toast, isCurrent }), toast));
}

// The sign-in page («Вход в PMS»): login and password, «Войти». The host answers with the staff
// member and their permissions and sets the HttpOnly session cookie; the page never sees or
// keeps the session itself. A wrong login or password is never told apart (the host does not
// say which), too many failures are answered with a wait.
import { api, ApiError, errorText } from './api.js';
import { el } from './format.js';

/**
 * Shows the sign-in form in `container`.
 *  notice: an optional message above the form (e.g. the session ended), shown as a status.
 *  onSignedIn(user): called with the host's answer {login, name, role, permissions}.
 */
export function renderSignIn(container, { notice = null, onSignedIn }) {
  const login = el('input', {
    id: 'signin-login', name: 'login', type: 'text', autocomplete: 'username', autocapitalize: 'none',
    spellcheck: 'false', required: true, 'aria-describedby': 'signin-error',
  });
  const password = el('input', {
    id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true, 'aria-describedby': 'signin-error',
  });
  // Present (empty) from the start, so that screen readers announce the text put into it.
  const error = el('div', { id: 'signin-error', class: 'signin-error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary' }, 'Войти');
  const form = el('form', { id: 'signin', class: 'panel signin', 'aria-labelledby': 'signin-title', novalidate: true },
    el('h1', { id: 'signin-title' }, 'Вход в PMS'),
    notice ? el('div', { class: 'notice level-info', role: 'status' }, notice) : null,
    el('div', { class: 'field' }, el('label', { for: 'signin-login' }, 'Логин'), login),
    el('div', { class: 'field' }, el('label', { for: 'signin-password' }, 'Пароль'), password),
    error,
    el('div', { class: 'toolbar' }, submit));

  const showError = (text, field) => {
    error.textContent = text;
    for (const input of [login, password]) input.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  };

  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    if (!login.value.trim()) { showError('Введите логин', login); return; }
    if (!password.value) { showError('Введите пароль', password); return; }
    busy = true;
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    showError('');
    try {
      const user = await api.signIn(login.value.trim(), password.value);
      password.value = '';
      onSignedIn(user);
    } catch (failure) {
      password.value = '';
      if (failure instanceof ApiError && failure.status === 401) {
        showError('Неверный логин или пароль', password);
      } else if (failure instanceof ApiError && failure.status === 429) {
        const seconds = Math.max(1, Math.ceil(Number(failure.retryAfter ?? 60)));
        showError(`Слишком много попыток, попробуйте через ${seconds}\u00a0с`, password);
      } else if (failure instanceof ApiError && failure.status === 0) {
        showError('Нет связи с сервером PMS. Проверьте сеть и повторите.', password);
      } else {
        showError(`Не удалось войти: ${errorText(failure)}`, password);
      }
    } finally {
      busy = false;
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
    }
  });

  container.replaceChildren(form);
  login.focus();
  return form;
}

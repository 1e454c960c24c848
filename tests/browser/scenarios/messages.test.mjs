// The Russian texts the web UI shows for the host's error answers (host_stub/web/api.js), checked
// in node without a browser: the module has no DOM dependency at import.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, NO_CONNECTION } from '../../../host_stub/web/api.js';

const error = (code, message) => ({ error: { code, message } });

test('a 429 says what the host said when it speaks Russian, never «попыток» for a window cap', () => {
  const views = new ApiError(429, error('too_many_views', 'Слишком много окон модулей открывается сразу; повторите через минуту'));
  assert.equal(views.message, 'Слишком много окон модулей открывается сразу; повторите через минуту');
  const streams = new ApiError(429, error('too_many_streams', 'Too many live-event streams for this staff session'));
  assert.equal(streams.message, 'Слишком много запросов, попробуйте позже');
  assert.equal(new ApiError(429, null).message, 'Слишком много запросов, попробуйте позже');
});

test('English or missing host messages become Russian texts', () => {
  assert.equal(new ApiError(0, null).message, NO_CONNECTION);
  assert.equal(new ApiError(401, error('invalid_credentials', 'bad')).message, 'Неверный логин или пароль');
  assert.equal(new ApiError(403, error('forbidden', 'no')).message, 'Недостаточно прав');
  assert.equal(new ApiError(422, error('invalid', 'field x')).message, 'Сервер PMS не принял данные');
  assert.equal(new ApiError(503, null).message, 'Сервер PMS временно недоступен');
  assert.equal(new ApiError(418, null).message, 'Сервер PMS ответил ошибкой (код 418)');
  assert.equal(new ApiError(409, error('conflict', 'Ссылка уже отменена')).message, 'Ссылка уже отменена');
});

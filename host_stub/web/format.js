// Formatting for the Russian PMS screen: money as «67 680,00 ₽», dates in the property's zone.
// Money arrives from the host as integer minor units and is never turned into a float for
// arithmetic; only the final display string is built here.

const CURRENCY_SIGNS = { RUB: '₽', USD: '$', EUR: '€', GBP: '£' };

/** Formats integer minor units (number or decimal string) as «67 680,00 ₽». */
export function formatMoney(minor, currency = 'RUB') {
  const big = BigInt(minor);
  const negative = big < 0n;
  const abs = negative ? -big : big;
  const units = (abs / 100n).toString();
  const cents = (abs % 100n).toString().padStart(2, '0');
  const grouped = groupDigits(units);
  const sign = CURRENCY_SIGNS[currency] ?? currency;
  return `${negative ? '−' : ''}${grouped},${cents}\u00a0${sign}`;
}

/**
 * Formats a UTC instant (ms since epoch or ISO text) in the property's time zone as
 * «05.12.2026 05:19» — the one date-time format of the whole UI (the folio, notifications and
 * the plugins' dialogs, which write it the same way). The host sends the zone name; `Intl` does
 * the conversion, so DST rules come from the browser.
 */
export function formatDateTime(value, timeZone) {
  if (value === null || value === undefined || value === '') return '';
  const date = typeof value === 'number' ? new Date(value) : new Date(String(value));
  if (Number.isNaN(date.getTime())) return String(value);
  let parts;
  try {
    parts = new Intl.DateTimeFormat('ru-RU', {
      timeZone: timeZone || undefined, day: '2-digit', month: '2-digit', year: 'numeric',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(date);
  } catch {
    parts = new Intl.DateTimeFormat('ru-RU', {
      day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(date);
  }
  const part = (type) => parts.find((x) => x.type === type)?.value ?? '';
  return `${part('day')}.${part('month')}.${part('year')} ${part('hour')}:${part('minute')}`;
}

/** A line's VAT code as staff read it (issue 10): "vat20"/"RUS_VAT20" → «НДС 20 %», "none" → «Без НДС». */
export function formatVat(code) {
  const text = String(code ?? '');
  if (/^(none|RUS_VAT_?NONE|no_vat)$/i.test(text)) return 'Без НДС';
  const m = /vat_?(\d{1,2})$/i.exec(text);
  return m ? `НДС ${Number(m[1])}\u00a0%` : text;
}

/** Formats a service date "2025-03-14" as «14.03.2025» (a calendar date: no time zone). */
export function formatDate(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value ?? ''));
  return m ? `${m[3]}.${m[2]}.${m[1]}` : String(value ?? '');
}

/**
 * Normalises what staff type into a money field: «1 550,5» → "1550.50". Returns null when the
 * text is not an amount with at most two decimals. Works on text only (no float rounding).
 */
export function normaliseMoneyInput(text) {
  const compact = String(text).replace(/[\s\u00a0₽]/g, '').replace(',', '.');
  const match = /^(\d{1,12})(?:\.(\d{0,2}))?$/.exec(compact);
  if (!match) return null;
  const units = match[1].replace(/^0+(?=\d)/, '');
  return `${units}.${(match[2] ?? '').padEnd(2, '0')}`;
}

/** Groups the digits of a whole number by thousands with no-break spaces: "67680" → «67 680». */
export function groupDigits(digits) {
  return String(digits).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
}

/** Shows a decimal money string as staff type it: "67680.00" → «67 680,00» (no-break spaces). */
export function formatDecimalInput(text) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text ?? '').trim());
  if (!m) return String(text ?? '');
  return `${m[1]}${groupDigits(m[2])}${m[3] !== undefined ? `,${m[3]}` : ''}`;
}

/** A decimal money string with its currency sign: "0.01", "RUB" → «0,01 ₽» (no-break spaces). */
export function formatDecimalMoney(text, currency = 'RUB') {
  const sign = CURRENCY_SIGNS[currency] ?? currency ?? '';
  return sign ? `${formatDecimalInput(text)}\u00a0${sign}` : formatDecimalInput(text);
}

/** Compares two normalised decimal strings exactly ("1550.50" vs "100.00"). */
export function compareDecimal(a, b) {
  const toCents = (s) => BigInt(s.replace('.', ''));
  const x = toCents(a);
  const y = toCents(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Creates an element with attributes and children; text is always escaped by the DOM. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * The breadcrumb of a page: where it sits in the main menu, e.g. ['Администрирование', 'Разное',
 * 'Стыковки']; the last entry is the page itself (aria-current="page").
 */
export function breadcrumbs(trail) {
  return el('nav', { class: 'breadcrumbs', 'aria-label': 'Вы здесь' },
    el('ol', {}, trail.map((name, i) => el('li', { 'aria-current': i === trail.length - 1 ? 'page' : undefined }, name))));
}

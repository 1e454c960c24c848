// Copy to clipboard with a fallback: navigator.clipboard exists only in secure contexts, and a
// PMS is often opened over plain http on a LAN address.
import { el } from './format.js';

export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch { /* fall through to the selection-based copy */ }
  }
  const area = el('textarea', { class: 'clipboard-buffer', readonly: true, 'aria-hidden': 'true', tabindex: -1 });
  area.value = text;
  document.body.append(area);
  area.select();
  let copied = false;
  try { copied = document.execCommand('copy'); } catch { copied = false; }
  area.remove();
  return copied;
}

/** Shows the text selected in a box so staff can copy it by hand when both ways fail. */
export function showManualCopy(text, anchor) {
  const box = el('input', { class: 'manual-copy', readonly: true, value: text, 'aria-label': 'Скопируйте вручную: Ctrl+C' });
  anchor.after(box);
  box.select();
}

import { CONTROL_FIELDS } from './bot-check';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/**
 * A copy-paste HTML form posting to the capture URL: a few standard fields (rename, add or
 * remove any: every field is kept), the honeypot hidden off-screen, and a tiny inline script
 * that records when the page loaded and how long the visitor took (`_ts`, `_te`), the page
 * URL, and the `utm_*` parameters of the page's own URL. Without the script (or with it
 * blocked) the form still works, judged by the honeypot alone.
 */
export function formSnippet(form: { name: string; captureUrl: string }): string {
  const { honeypot, loadedAt, elapsed, page } = CONTROL_FIELDS;
  return `<!-- 500 Leads form: ${escapeHtml(form.name).replaceAll('--', '&#45;&#45;')} -->
<form action="${escapeHtml(form.captureUrl)}" method="POST" accept-charset="UTF-8" aria-label="${escapeHtml(form.name)}">
  <label>Email <input type="email" name="email" autocomplete="email" required></label>
  <label>First name <input type="text" name="first_name" autocomplete="given-name"></label>
  <label>Last name <input type="text" name="last_name" autocomplete="family-name"></label>
  <label>Company <input type="text" name="company" autocomplete="organization"></label>
  <label>Phone <input type="tel" name="phone" autocomplete="tel"></label>
  <div aria-hidden="true" style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden">
    <label>Leave this field empty <input type="text" name="${honeypot}" tabindex="-1" autocomplete="off" value=""></label>
  </div>
  <input type="hidden" name="${loadedAt}" value="">
  <input type="hidden" name="${elapsed}" value="">
  <input type="hidden" name="${page}" value="">
  <button type="submit">Send</button>
</form>
<script>
(function (form) {
  var loaded = Date.now();
  form.elements['${loadedAt}'].value = String(loaded);
  form.elements['${page}'].value = location.href;
  var params = new URLSearchParams(location.search);
  ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'].forEach(function (name) {
    var value = params.get(name);
    if (!value) return;
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  });
  form.addEventListener('submit', function () {
    form.elements['${elapsed}'].value = String(Date.now() - loaded);
  });
})(document.currentScript.previousElementSibling);
</script>
`;
}

import { escapeHtml, formSnippet } from './form-snippet';

describe('form snippet', () => {
  const html = formSnippet({ name: 'Contact <b>"us"</b> -- now', captureUrl: 'https://api.500leads.test/v1/forms/frm_abc' });

  it('posts to the capture URL with the honeypot and the timing fields', () => {
    expect(html).toContain('<form action="https://api.500leads.test/v1/forms/frm_abc" method="POST"');
    expect(html).toContain('name="_hp"');
    expect(html).toContain('name="_ts"');
    expect(html).toContain('name="_te"');
    expect(html).toContain("params.get(name)");
  });

  it('escapes the form name wherever it appears', () => {
    expect(html).not.toContain('<b>');
    expect(html).toContain('aria-label="Contact &lt;b&gt;&quot;us&quot;&lt;/b&gt; -- now"');
    expect(html.split('\n')[0]).toBe('<!-- 500 Leads form: Contact &lt;b&gt;&quot;us&quot;&lt;/b&gt; &#45;&#45; now -->');
  });

  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

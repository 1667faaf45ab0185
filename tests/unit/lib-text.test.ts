import { describe, expect, it } from 'vitest';
import { escapeHtml } from '#src/lib/html.ts';
import { likePattern } from '#src/lib/like-pattern.ts';

describe('likePattern', () => {
  it('finds the text anywhere and takes % and _ typed by the user literally', () => {
    expect(likePattern('กาแฟ')).toBe('%กาแฟ%');
    expect(likePattern('50%_off')).toBe('%50\\%\\_off%');
    expect(likePattern('a\\b')).toBe('%a\\\\b%');
  });
});

describe('escapeHtml', () => {
  it('turns every character that could open markup or close an attribute into an entity', () => {
    expect(escapeHtml(`ร้าน <b>"ป้า" & 'ลุง'</b>`)).toBe('ร้าน &lt;b&gt;&quot;ป้า&quot; &amp; &#39;ลุง&#39;&lt;/b&gt;');
  });
});

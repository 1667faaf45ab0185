import { describe, expect, it } from 'vitest';
import { startLines } from '#src/http/start-log.ts';

describe('the start log', () => {
  it('names the back office, chat and docs addresses it really listens on', () => {
    const { info, warnings } = startLines('http://localhost:8080', [{ address: '0.0.0.0', port: 8080, family: 'IPv4' }]);
    expect(info).toEqual(['Back office: http://localhost:8080/admin', 'Web chat: http://localhost:8080/chat', 'API documentation: http://localhost:8080/docs']);
    expect(warnings).toEqual([]);
  });

  it('warns when a local PUBLIC_URL names another port than the one it listens on', () => {
    const { info, warnings } = startLines('http://localhost:3000', [{ address: '127.0.0.1', port: 4123, family: 'IPv4' }]);
    expect(info[0]).toBe('Back office: http://127.0.0.1:4123/admin');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('PUBLIC_URL is http://localhost:3000 but Talad listens on port 4123');
    expect(warnings[0]).toContain('PUBLIC_URL=http://127.0.0.1:4123');
  });

  it('trusts a public https address (a proxy forwards it)', () => {
    expect(startLines('https://shop.example.co.th', [{ address: '0.0.0.0', port: 3000, family: 'IPv4' }]).warnings).toEqual([]);
  });
});

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to put inside HTML, in an element or a quoted attribute (the entities Eta uses too). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

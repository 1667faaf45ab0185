/** A LIKE pattern that matches the text literally anywhere (% and _ typed by the user are not wildcards). */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

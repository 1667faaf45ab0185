/**
 * The shop's FAQ (Settings → FAQ) read the way customers' messages are: a question the customer asks
 * is matched to the FAQ question on the same topic (shipping time, hours, returns …, as the layer reads
 * both), else to the one sharing most of its words, each side normalised, segmented and stripped of
 * particles, request words and question words by the same rules as the rest of the layer.
 */
import { PARTICLES, REQUEST_WORDS, isParticle, respell } from './lexicon.ts';
import { normalize, tokens, withoutTones } from './normalize.ts';
import type { QuestionTopic } from './types.ts';
import { understand } from './understand.ts';

export interface FaqEntry {
  question: string;
  questionEn?: string | undefined;
  answer: string;
  answerEn?: string | undefined;
}

/** Words that make a question a question, not what it is about. */
const ASKING = new Set([
  'ไหม', 'มั้ย', 'มั๊ย', 'ไม๊', 'หรือ', 'เปล่า', 'ป่าว', 'ป่ะ', 'เหรอ', 'หรอ', 'บ้าง', 'ยังไง', 'อย่างไร', 'ไง', 'ได้', 'มี', 'คะ', 'ครับ',
  'ไหน', 'ที่ไหน', 'ตรงไหน', 'สวัสดี', 'หวัดดี', 'ขอบคุณ', 'แอดมิน', 'admin', 'hello', 'hi', 'thanks', 'thank',
  'what', 'which', 'how', 'is', 'are', 'do', 'does', 'did', 'you', 'your', 'i', 'my', 'we', 'it', 'there', 'any', 'can', 'will', 'the', 'a',
  'an', 'to', 'of', 'for', 'in', 'on', 'at', 'be',
]);

/** A message's words that carry its meaning: no particles, request words, greetings or question words; tone marks left out. */
/** Whom and how a question opens ("แอดมิน", "ขอถาม", "อยากทราบว่า"), taken off before cutting words: the cut goes astray on them. */
const OPENING = /^(?:\s*(?:แอดมิน|admin|ขอ(?:ถาม|สอบถาม)|สอบถาม|อยาก(?:ทราบ|ถาม|รู้)(?:ว่า)?|ถามหน่อย|ค่ะ|คะ|ครับ))+/;

export function meaningWords(text: string): Set<string> {
  const flat = respell(normalize(text).replace(/\n/g, ' ').toLowerCase()).replace(OPENING, '');
  const all = tokens(flat).map((t) => t.lower);
  const kept = all.filter((w, i) => !isParticle(all, i) && !PARTICLES.has(w) && !REQUEST_WORDS.has(w) && !ASKING.has(w));
  // English plurals count as the word ("days" is "day").
  return new Set(kept.map((w) => withoutTones(w).replace(/(?<=[a-z]{3})s$/, '')));
}

/** The topic the layer reads in a question, when it reads one. */
function topicOf(text: string): QuestionTopic | undefined {
  const read = understand(text, { catalog: [] });
  return read.intent === 'question' && read.topic !== 'other' ? read.topic : undefined;
}

interface Phrasing {
  words: Set<string>;
  topic: QuestionTopic | undefined;
}
interface Indexed {
  entry: FaqEntry;
  phrasings: Phrasing[];
}

const indexes = new WeakMap<readonly FaqEntry[], Indexed[]>();

function indexOf(entries: readonly FaqEntry[]): Indexed[] {
  let index = indexes.get(entries);
  if (!index) {
    index = entries.map((entry) => ({
      entry,
      // Each line of a question is one way to ask it, in Thai or English.
      phrasings: [entry.question, entry.questionEn ?? '']
        .flatMap((q) => q.split(/\n|\s+\/\s+/))
        .map((q) => q.trim())
        .filter(Boolean)
        .map((q) => ({ words: meaningWords(q), topic: topicOf(q) })),
    }));
    indexes.set(entries, index);
  }
  return index;
}

/**
 * How much two questions agree, 0 to 1: the share of each one's words found in the other, averaged.
 * A word counts when it is inside the other's words run together, so a word the segmenter cut
 * differently in a longer message ("แอด|มิ|นมี|หน้า") still meets its match.
 */
function overlap(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const share = (from: Set<string>, into: Set<string>) => {
    const joined = [...into].join('');
    let found = 0;
    for (const w of from) if (into.has(w) || joined.includes(w)) found++;
    return found / from.size;
  };
  return (share(a, b) + share(b, a)) / 2;
}

/** Close enough on words alone: most words of each side are the other's. */
const SAME_QUESTION = 0.6;

/**
 * The FAQ entry that answers what the customer asked, or undefined (the question goes to a person).
 * `topic` is the layer's reading of the message; an entry asked on the same topic wins, the closest
 * in words among them; else the closest in words, if close enough.
 */
export function answerFromFaq(said: string, entries: readonly FaqEntry[], topic?: QuestionTopic): FaqEntry | undefined {
  if (entries.length === 0) return undefined;
  const words = meaningWords(said);
  let best: { entry: FaqEntry; score: number } | undefined;
  for (const { entry, phrasings } of indexOf(entries)) {
    for (const p of phrasings) {
      const close = overlap(words, p.words);
      const onTopic = topic !== undefined && topic !== 'other' && p.topic === topic;
      const score = onTopic ? 1 + close : close >= SAME_QUESTION ? close : 0;
      if (score > 0 && (!best || score > best.score)) best = { entry, score };
    }
  }
  return best?.entry;
}

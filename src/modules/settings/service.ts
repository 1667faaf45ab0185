import { sql } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import { withTransaction, type Db, type Tx } from '../../db/client.ts';
import { shopSettings } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { hideInLog, type Logger } from '../../logger.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { applySettings, currentValues, defaultsOf, parseRows } from './apply.ts';
import { sectionSchemas, type SectionData, type SettingsSection } from './settings.schemas.ts';

export interface SettingsActor {
  id: number;
  email: string;
}

/** Called inside the save's transaction (the back office writes its audit row there). */
export type SettingsAudit = (tx: Tx, change: { section: SettingsSection; before: unknown; after: unknown; version: number }) => Promise<void>;

export interface SettingsService {
  /** Reads every section and applies it onto the config; at start, and whenever a change is noticed. */
  load(): Promise<void>;
  /** The cheap check the poll runs: reloads only when a section changed since the last load. Returns whether it did. */
  refresh(): Promise<boolean>;
  save<S extends SettingsSection>(section: S, data: unknown, actor: SettingsActor, audit?: SettingsAudit): Promise<SectionData<S>>;
  /** Removes a section's row: the environment's value applies again. */
  reset(section: SettingsSection, actor: SettingsActor, audit?: SettingsAudit): Promise<void>;
  /** What a section's form shows: the stored data, else the effective (environment) values. */
  values<S extends SettingsSection>(section: S): SectionData<S>;
  /** Whether a section is set in the back office (else it comes from the environment). */
  isSet(section: SettingsSection): boolean;
  /** Polls every `pollMs` (15 s by default) so other processes' saves are seen; the timer never keeps the process alive. */
  start(): void;
  stop(): void;
}

export interface SettingsServiceDeps {
  db: Db;
  config: Config;
  logger: Logger;
  pollMs?: number;
  /** Opens the secrets saved in Settings (Facebook's); without it those sections keep the environment's values. */
  secretBox?: SecretBox;
}

/**
 * The shop's settings: stored per section in shop_settings, applied onto the live config object so every
 * reader sees them at once. Each save bumps the section's version; a process notices another's save by
 * comparing count, total and latest version (one indexed aggregate) every poll.
 */
export function createSettingsService(deps: SettingsServiceDeps): SettingsService {
  const { db, config, logger } = deps;
  defaultsOf(config);
  let stored: Partial<Record<SettingsSection, unknown>> = {};
  let fingerprint = '';
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<boolean> | undefined;

  async function readFingerprint(handle: Db | Tx): Promise<string> {
    const result = await handle.execute<{ n: string | number; total: string | number | null; latest: string | null }>(
      sql`select count(*) as n, sum(${shopSettings.version}) as total, max(${shopSettings.updatedAt})::text as latest from ${shopSettings}`,
    );
    const row = result.rows[0]!;
    return `${row.n}:${row.total ?? 0}:${row.latest ?? ''}`;
  }

  async function load(): Promise<void> {
    const [rows, fp] = await Promise.all([db.select({ section: shopSettings.section, data: shopSettings.data }).from(shopSettings), readFingerprint(db)]);
    const open = deps.secretBox && openWith(deps.secretBox);
    const { invalid } = applySettings(config, rows, open);
    // Secrets that came from Settings are cut out of every log line too.
    hideInLog(logger, config.facebook?.appSecret, config.facebook?.pageAccessToken, config.facebook?.verifyToken);
    if (invalid.length > 0) logger.warn({ sections: invalid }, 'stored settings no longer valid; the environment values apply');
    stored = parseRows(rows).sections;
    fingerprint = fp;
  }

  async function refresh(): Promise<boolean> {
    refreshing ??= (async () => {
      try {
        if ((await readFingerprint(db)) === fingerprint) return false;
        await load();
        logger.info('shop settings changed; reloaded');
        return true;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  return {
    load,
    refresh,

    async save(section, data, actor, audit) {
      const parsed = sectionSchemas[section].safeParse(data);
      if (!parsed.success) {
        throw new AppError('SETTINGS_INVALID', `Invalid ${section} settings`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      const value = parsed.data as Record<string, unknown>;
      await withTransaction(db, async (tx) => {
        const [before] = await tx
          .select({ data: shopSettings.data })
          .from(shopSettings)
          .where(sql`${shopSettings.section} = ${section}`)
          .for('update');
        const version = await writeSection(tx, section, value, actor.email);
        await audit?.(tx, { section, before: before?.data ?? null, after: value, version });
      });
      await load();
      return parsed.data as SectionData<typeof section>;
    },

    async reset(section, actor, audit) {
      await withTransaction(db, async (tx) => {
        const removed = await tx.delete(shopSettings).where(sql`${shopSettings.section} = ${section}`).returning({ data: shopSettings.data, version: shopSettings.version });
        if (removed.length > 0) await audit?.(tx, { section, before: removed[0]!.data, after: null, version: removed[0]!.version });
      });
      logger.info({ section, actor: actor.email }, 'settings section reset to the environment');
      await load();
    },

    values(section) {
      return (stored[section] ?? currentValues(config)[section]) as SectionData<typeof section>;
    },

    isSet: (section) => stored[section] !== undefined,

    start() {
      if (timer) return;
      timer = setInterval(() => {
        refresh().catch((err: unknown) => logger.warn({ err }, 'could not check for changed settings'));
      }, deps.pollMs ?? 15_000);
      timer.unref();
    },

    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

function openWith(box: SecretBox) {
  return (sealed: string, label: string): string | undefined => {
    try {
      return box.open(sealed, label);
    } catch {
      return undefined;
    }
  };
}

/**
 * Stores a section's already-validated data in the caller's transaction and bumps its version, so every
 * process (this one's poll included) loads it; returns the new version.
 */
export async function writeSection(tx: Tx, section: SettingsSection, value: Record<string, unknown>, updatedBy: string): Promise<number> {
  const [row] = await tx
    .insert(shopSettings)
    .values({ section, data: value, updatedBy })
    .onConflictDoUpdate({
      target: shopSettings.section,
      set: { data: value, version: sql`${shopSettings.version} + 1`, updatedBy, updatedAt: sql`now()` },
    })
    .returning({ version: shopSettings.version });
  return row!.version;
}

import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import { isAppError } from '#src/errors.ts';
import { safeEqual } from '#src/modules/accounts/index.ts';
import { merchantTargets, notifyMerchant } from '#src/modules/notify/index.ts';
import { BANKS } from '#src/modules/payments/banks.ts';
import { buildPromptPayPayload, renderPromptPayQrPng } from '#src/modules/payments/promptpay.ts';
import { builtInCarriers, carrierSecretLabel } from '#src/modules/shipping/index.ts';
import type { SecretBox } from '#src/lib/secret-box.ts';
import { hideInLog } from '#src/logger.ts';
import {
  facebookFormSchema,
  facebookSecretLabel,
  MAX_LOGO_BYTES,
  promptPayIdSchema,
  readLogo,
  sectionSchemas,
  settingsSections,
  storeLogo,
  type FacebookSecretField,
  type SectionData,
  type SettingsAudit,
  type SettingsSection,
} from '#src/modules/settings/index.ts';
import { writeAudit } from '../audit.ts';
import { refuse } from '../auth/guard.ts';
import { allowed, can } from '../auth/roles.ts';
import type { FieldErrors } from '../forms.ts';
import { isMessageKey, type MessageKey, type Translate } from '../i18n/index.ts';
import { helpers, render } from '../view.ts';

type Body = Record<string, unknown>;

// ---- form fields ⇄ stored data -------------------------------------------------------------------

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : '');
const opt = (v: unknown): string | undefined => str(v) || undefined;
const arr = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x.trim() : '')) : typeof v === 'string' ? [v.trim()] : []);
const checked = (v: unknown) => v === 'on' || v === 'true' || v === '1';

/** A number typed in a form; NaN (refused by the schema) when it is not one. */
const num = (v: unknown): number | undefined => {
  const s = str(v).replace(/[,\s]/g, '');
  if (!s) return undefined;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
};

/** Baht typed in a form ("1,250.50", "฿90") as satang; negative stays negative so the schema names it. */
const satang = (v: unknown): number | undefined => {
  const s = str(v).replace(/[฿,\s]/g, '');
  if (!s) return undefined;
  return /^-?\d+(\.\d{1,2})?$/.test(s) ? Math.round(Number(s) * 100) : Number.NaN;
};

const bahtText = (n: number | undefined) => (n === undefined ? '' : Number.isInteger(n / 100) ? String(n / 100) : (n / 100).toFixed(2));

/** Rows of repeated fields, blank rows left out. */
function rows<K extends string>(body: Body, fields: Record<K, string>): Record<K, string>[] {
  const cols = Object.fromEntries(Object.entries(fields).map(([k, name]) => [k, arr(body[name as string])])) as Record<K, string[]>;
  const n = Math.max(0, ...Object.values<string[]>(cols).map((c) => c.length));
  const out: Record<K, string>[] = [];
  for (let i = 0; i < n; i++) {
    const row = Object.fromEntries(Object.keys(fields).map((k) => [k, cols[k as K][i] ?? ''])) as Record<K, string>;
    if (Object.values<string>(row).some((x) => x !== '')) out.push(row);
  }
  return out;
}

/**
 * The carrier credentials of the carriers form: a secret typed now is sealed; left empty, the saved one is
 * kept; "remove" forgets it (the environment's apply again). Secrets are never sent back to the page.
 */
function carrierCredentialsFromForm(b: Body, saved: SectionData<'carriers'>, box: SecretBox) {
  const flashKey = str(b.flashSecretKey);
  const mchId = str(b.flashMchId);
  const flash = checked(b.flashRemove) || !mchId
    ? undefined
    : flashKey
      ? { mchId, secretKey: box.seal(flashKey, carrierSecretLabel.flash) }
      : saved.flash && { mchId, secretKey: saved.flash.secretKey };
  const postKey = str(b.thaipostApiKey);
  const thaipost = checked(b.thaipostRemove) ? undefined : postKey ? { apiKey: box.seal(postKey, carrierSecretLabel.thaipost) } : saved.thaipost;
  return { flash, thaipost, warehouseCarriers: saved.warehouseCarriers };
}

const facebookFields = Object.keys(facebookSecretLabel) as FacebookSecretField[];

/** The Facebook values typed now (blank: keep the saved one), checked in Meta's formats before sealing. */
function facebookTyped(b: Body) {
  return facebookFormSchema.safeParse(Object.fromEntries(facebookFields.map((f) => [f, opt(b[f])])));
}

/**
 * The Facebook form's values: a value typed now is sealed; left empty, the saved one is kept; "remove"
 * forgets it (the environment's applies again). Nothing of a secret is sent back but its last 4 characters.
 */
function facebookFromForm(b: Body, typed: Partial<Record<FacebookSecretField, string>>, saved: SectionData<'facebook'>, box: SecretBox) {
  return Object.fromEntries(
    facebookFields.map((f) => [f, checked(b[`${f}Remove`]) ? undefined : typed[f] ? box.seal(typed[f], facebookSecretLabel[f]) : saved[f]]),
  );
}

/** The last 4 characters of a secret, the only part a page ever shows. */
const lastFour = (secret: string | undefined) => (secret ? `…${secret.slice(-4)}` : '');

/** Per section: the stored data as form values, and form fields as data for the section's schema. */
const forms: { [S in SettingsSection]: { toForm(d: SectionData<S>): Body; fromForm(b: Body): unknown } } = {
  profile: {
    toForm: (d) => ({ name: d.name, address: d.address, phone: d.phone, taxId: d.taxId ?? '', vatRegistered: d.vatRegistered, logoPath: d.logoPath }),
    fromForm: (b) => ({
      name: str(b.name),
      address: str(b.address),
      phone: str(b.phone),
      taxId: opt(b.taxId)?.replace(/[\s-]/g, ''),
      vatRegistered: checked(b.vatRegistered),
    }),
  },
  payments: {
    toForm: (d) => ({ promptPayId: d.promptPayId ?? '', accounts: d.accounts }),
    fromForm: (b) => ({
      promptPayId: opt(b.promptPayId),
      accounts: rows(b, { bank: 'accountBank', number: 'accountNumber', name: 'accountName' }),
    }),
  },
  shipping: {
    toForm: (d) => ({
      mode: d.mode,
      flatFee: bahtText(d.flatFee),
      freeOver: bahtText(d.freeOver),
      weightTiers: (d.weightTiers ?? []).map((t) => ({ limit: String(t.upToGrams), fee: bahtText(t.fee) })),
      countTiers: (d.countTiers ?? []).map((t) => ({ limit: String(t.upToItems), fee: bahtText(t.fee) })),
    }),
    fromForm: (b) => {
      const mode = str(b.mode);
      const weightTiers = rows(b, { limit: 'weightLimit', fee: 'weightFee' }).map((r) => ({ upToGrams: num(r.limit), fee: satang(r.fee) }));
      const countTiers = rows(b, { limit: 'countLimit', fee: 'countFee' }).map((r) => ({ upToItems: num(r.limit), fee: satang(r.fee) }));
      return {
        mode,
        flatFee: satang(b.flatFee) ?? 0,
        freeOver: satang(b.freeOver),
        // Only the chosen mode's tiers are checked and kept.
        weightTiers: mode === 'weight' ? weightTiers : undefined,
        countTiers: mode === 'count' ? countTiers : undefined,
      };
    },
  },
  carriers: {
    toForm: (d) => ({
      carriers: d.carriers,
      msgBooked: d.messages.booked,
      msgOutForDelivery: d.messages.outForDelivery,
      msgDelivered: d.messages.delivered,
      defaultWeightGrams: String(d.defaultWeightGrams),
      // Only whether a secret is saved, never the secret (nor its sealed form).
      flashMchId: d.flash?.mchId ?? '',
      flashSaved: d.flash ? '1' : '',
      thaipostSaved: d.thaipost ? '1' : '',
    }),
    fromForm: (b) => {
      const enabled = new Set(arr(b.carrierEnabled));
      const builtIn = new Map(builtInCarriers.map((c) => [c.code, c]));
      const list = rows(b, { index: 'carrierIndex', code: 'carrierCode', name: 'carrierName', trackingUrl: 'carrierUrl' })
        // A new row's index alone is not a carrier.
        .filter((r) => r.code || r.name || r.trackingUrl)
        .map((r) => {
          const base = builtIn.get(r.code);
          return {
            code: r.code.toLowerCase(),
            name: base ? base.name : r.name,
            trackingUrl: r.trackingUrl,
            enabled: enabled.has(r.index),
            builtIn: base !== undefined,
          };
        });
      // A built-in carrier is never removed, only switched off.
      for (const c of builtInCarriers) if (!list.some((x) => x.code === c.code)) list.push({ ...c, enabled: false });
      return {
        carriers: list,
        messages: { booked: checked(b.msgBooked), outForDelivery: checked(b.msgOutForDelivery), delivered: checked(b.msgDelivered) },
        defaultWeightGrams: num(b.defaultWeightGrams),
      };
    },
  },
  notifications: {
    toForm: (d) => ({ lineTo: d.lineTo ?? '', telegramChatId: d.telegramChatId ?? '' }),
    fromForm: (b) => ({ lineTo: opt(b.lineTo), telegramChatId: opt(b.telegramChatId) }),
  },
  reminders: {
    toForm: (d) => ({
      unpaidReminderHours: String(d.unpaidReminderHours),
      unpaidCancelHours: String(d.unpaidCancelHours),
      quietFrom: String(d.quietFrom),
      quietTo: String(d.quietTo),
      dailySummaryHour: String(d.dailySummaryHour),
      reorderReminders: d.reorderReminders,
    }),
    fromForm: (b) => ({
      unpaidReminderHours: num(b.unpaidReminderHours),
      unpaidCancelHours: num(b.unpaidCancelHours),
      quietFrom: num(b.quietFrom),
      quietTo: num(b.quietTo),
      dailySummaryHour: num(b.dailySummaryHour),
      reorderReminders: checked(b.reorderReminders),
    }),
  },
  returns: {
    toForm: (d) => ({ returnWindowDays: String(d.returnWindowDays) }),
    fromForm: (b) => ({ returnWindowDays: num(b.returnWindowDays) }),
  },
  locale: {
    toForm: (d) => ({ locale: d.locale, timeZone: d.timeZone }),
    fromForm: (b) => ({ locale: str(b.locale), timeZone: str(b.timeZone) }),
  },
  facebook: {
    // Only whether each value is saved here; the page shows the effective ones by their last 4 characters.
    toForm: (d) => Object.fromEntries(facebookFields.map((f) => [`${f}Saved`, d[f] ? '1' : ''])),
    fromForm: () => ({}),
  },
};

/** Field errors keyed by the field's path ("accounts.1.number"), in the user's language. */
function fieldErrors(issues: readonly z.core.$ZodIssue[], t: Translate): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '_form';
    let text: string;
    if (isMessageKey(issue.message)) text = t(issue.message as MessageKey);
    else if (issue.code === 'too_small') text = Number(issue.minimum) <= 1 && issue.origin === 'string' ? t('field.required') : t('settings.error.range');
    else if (issue.code === 'too_big') text = issue.origin === 'string' ? t('field.tooLong', { max: Number(issue.maximum) }) : t('settings.error.range');
    else if (issue.code === 'invalid_type') text = issue.expected === 'number' ? t('settings.error.number') : t('field.required');
    else if (issue.code === 'invalid_value') text = t('field.choice');
    else text = t('field.required');
    errors[key] ??= text;
  }
  return errors;
}

const auditFor =
  (request: FastifyRequest): SettingsAudit =>
  (tx, change) =>
    writeAudit(tx, request.admin!.user, {
      action: `settings.${change.section}`,
      target: `settings:${change.section}`,
      details: { version: change.version, before: change.before, after: change.after },
    });

const sectionPath = (s: SettingsSection) => `/admin/settings/${s}`;

/** The shop's settings, one page per section (owner and admin); a save applies at once, everywhere. */
export const settingsRoutes: FastifyPluginAsync = async (app) => {
  const { config, db } = app.deps;
  const manage = { roles: allowed('settings.manage') };
  // Where customers pay is the owner's alone: an admin cannot redirect the shop's money.
  const rolesFor = (section: SettingsSection) => ({ roles: allowed(section === 'payments' ? 'settings.payments' : 'settings.manage') });
  // Only the logo form uploads; the plugin stays inside this route module.
  await app.register(multipart, { limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 5, parts: 6 } });

  async function qrPreview(id: string | undefined): Promise<string | undefined> {
    if (!id) return undefined;
    const png = await renderPromptPayQrPng(buildPromptPayPayload({ id, amountMinor: 10_000 }), { width: 240 });
    return `data:image/png;base64,${png.toString('base64')}`;
  }

  /** Where Messenger's values come from, the last 4 characters of each, and what to paste in Meta's dashboard. */
  function facebookPage() {
    const saved = app.deps.settings.values('facebook');
    const live = config.facebook;
    return {
      status: !live ? 'none' : app.deps.settings.isSet('facebook') && facebookFields.some((f) => saved[f]) ? 'settings' : 'env',
      hints: Object.fromEntries(facebookFields.map((f) => [f, lastFour(live?.[f])])),
      webhookUrl: `${config.publicUrl.replace(/\/+$/, '')}/webhooks/facebook`,
      fields: ['messages', 'messaging_postbacks', 'message_echoes'],
    };
  }

  async function show(
    request: FastifyRequest,
    reply: FastifyReply,
    section: SettingsSection,
    extra: { errors?: FieldErrors; values?: Body; error?: string; notice?: string } = {},
    status = 200,
  ) {
    const { settings } = app.deps;
    const values = extra.values ?? (forms[section].toForm as (d: unknown) => Body)(settings.values(section));
    const data: Record<string, unknown> = {
      section,
      sections: settingsSections.filter((s) => s !== 'payments' || can(request.admin!.user.role, 'settings.payments')),
      values,
      errors: extra.errors ?? {},
      error: extra.error,
      notice: extra.notice,
      fromEnv: !settings.isSet(section),
    };
    if (section === 'payments') {
      data.banks = BANKS;
      data.qr = await qrPreview(status === 200 ? config.promptPayId : undefined);
    }
    if (section === 'profile') data.logoPath = config.shop.logoPath;
    if (section === 'notifications') data.targets = merchantTargets(config).map((t) => t.channel);
    if (section === 'locale') data.timeZones = Intl.supportedValuesOf('timeZone');
    if (section === 'facebook') data.facebook = facebookPage();
    return render(request, reply, `settings/${section}`, data, status);
  }

  app.get('/settings', { config: manage }, async (request, reply) => show(request, reply, 'profile'));

  for (const section of settingsSections) {
    app.get(`/settings/${section}`, { config: rolesFor(section) }, async (request, reply) => show(request, reply, section));

    app.post(`/settings/${section}`, { config: rolesFor(section) }, async (request, reply) => {
      const { t } = helpers(request);
      const body = (request.body ?? {}) as Body;
      const data = forms[section].fromForm(body) as Body;
      // The logo has its own form; the profile form keeps the one stored.
      if (section === 'profile') data.logoPath = app.deps.settings.values('profile').logoPath;
      if (section === 'carriers') Object.assign(data, carrierCredentialsFromForm(body, app.deps.settings.values('carriers'), app.deps.secretBox));
      if (section === 'facebook') {
        const typed = facebookTyped(body);
        // A refused value is never put back into the page: the merchant types it again.
        if (!typed.success) return show(request, reply, section, { errors: fieldErrors(typed.error.issues, t), values: forms.facebook.toForm(app.deps.settings.values('facebook')) }, 400);
        hideInLog(app.deps.logger, ...Object.values(typed.data));
        Object.assign(data, facebookFromForm(body, typed.data, app.deps.settings.values('facebook'), app.deps.secretBox));
      }
      const parsed = sectionSchemas[section].safeParse(data);
      const again = (errors: FieldErrors) =>
        show(request, reply, section, { errors, values: { ...(forms[section].toForm as (d: unknown) => Body)(data), ...rawValues(section, body, data) } }, 400);
      if (!parsed.success) return again(fieldErrors(parsed.error.issues, t));
      try {
        await app.deps.settings.save(section, parsed.data, request.admin!.user, auditFor(request));
      } catch (err) {
        if (isAppError(err, 'SETTINGS_INVALID')) return again({ _form: t('error.form') });
        throw err;
      }
      return reply.redirect(`${sectionPath(section)}?done=settingsSaved`, 303);
    });

    app.post(`/settings/${section}/reset`, { config: rolesFor(section) }, async (request, reply) => {
      await app.deps.settings.reset(section, request.admin!.user, auditFor(request));
      return reply.redirect(`${sectionPath(section)}?done=settingsReset`, 303);
    });
  }

  /** The logo upload arrives as multipart: the CSRF token is checked once its fields are read. */
  app.post('/settings/logo', { config: { ...manage, ownCsrf: true } }, async (request, reply) => {
    const { t } = helpers(request);
    const fields: Record<string, string> = {};
    let file: Buffer | undefined;
    let tooLarge = false;
    if (request.isMultipart()) {
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            const bytes = await part.toBuffer();
            if (bytes.length > 0) file = bytes;
          } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        }
      } catch (err) {
        if ((err as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw err;
        tooLarge = true;
      }
    } else {
      const b = (request.body ?? {}) as Body;
      if (typeof b._csrf === 'string') fields._csrf = b._csrf;
    }
    const expected = request.admin?.session.csrfToken;
    const sent = typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : fields._csrf;
    if (!expected || typeof sent !== 'string' || !safeEqual(sent, expected)) return refuse(request, reply, 'csrf');

    const stored = !tooLarge && file ? await storeLogo(config.dataDir, file) : { ok: false as const };
    if (!stored.ok) return show(request, reply, 'profile', { errors: { logo: t(file || tooLarge ? 'settings.error.logo' : 'settings.error.logoMissing') } }, 400);
    const profile = { ...app.deps.settings.values('profile'), logoPath: stored.logoPath };
    await app.deps.settings.save('profile', profile, request.admin!.user, auditFor(request));
    return reply.redirect('/admin/settings/profile?done=settingsLogo', 303);
  });

  app.post('/settings/logo/remove', { config: manage }, async (request, reply) => {
    const { logoPath: _removed, ...profile } = app.deps.settings.values('profile');
    await app.deps.settings.save('profile', profile, request.admin!.user, auditFor(request));
    return reply.redirect('/admin/settings/profile?done=settingsSaved', 303);
  });

  /** The shop's logo for the back office and printed pages; a blank 1×1 image while none is set. */
  app.get('/settings/logo', { config: { roles: allowed('dashboard.view') } }, async (_request, reply) => {
    const logo = await readLogo(config.dataDir, config.shop.logoPath);
    return reply
      .type('image/png')
      .header('cache-control', 'private, max-age=60')
      .header('x-content-type-options', 'nosniff')
      .send(logo ?? BLANK_PNG);
  });

  /** The PromptPay QR for 100 baht with the id being typed, so the merchant can scan it before saving. */
  app.get('/settings/payments/preview', { config: rolesFor('payments') }, async (request, reply) => {
    const { t } = helpers(request);
    const raw = str((request.query as Body | undefined)?.promptPayId).slice(0, 40);
    const id = raw ? promptPayIdSchema.safeParse(raw) : undefined;
    const qr = id?.success ? await qrPreview(id.data) : undefined;
    return render(request, reply, 'settings/qr-preview', { qr, error: id && !id.success ? t('settings.error.promptPay') : undefined });
  });

  /** A test message to every merchant target, through the outbox like every other message. */
  app.post('/settings/notifications/test', { config: manage }, async (request, reply) => {
    const { t } = helpers(request);
    const targets = merchantTargets(config);
    if (targets.length === 0) return show(request, reply, 'notifications', { error: t('settings.notify.noTargets') }, 400);
    const text = helpers(request).t('settings.notify.testText', { shop: config.shop.name });
    await withTransaction(db, async (tx) => {
      await notifyMerchant(tx, config, { kind: 'chat.messages', messages: [{ type: 'text', text }] }, `settings-test:${randomUUID()}`);
      await writeAudit(tx, request.admin!.user, { action: 'settings.test_message', target: 'settings:notifications', details: { targets: targets.map((x) => x.channel) } });
    });
    return reply.redirect('/admin/settings/notifications?done=settingsTestQueued', 303);
  });
};

/** What the user typed, where the stored shape would lose it (an amount that is not a number). */
function rawValues(section: SettingsSection, body: Body, data: unknown): Body {
  const d = data as Body;
  switch (section) {
    case 'shipping':
      return {
        flatFee: str(body.flatFee),
        freeOver: str(body.freeOver),
        weightTiers: rows(body, { limit: 'weightLimit', fee: 'weightFee' }),
        countTiers: rows(body, { limit: 'countLimit', fee: 'countFee' }),
      };
    case 'reminders':
    case 'returns':
      return Object.fromEntries(Object.keys(d).filter((k) => typeof body[k] === 'string').map((k) => [k, str(body[k])]));
    case 'profile':
      return { taxId: str(body.taxId) };
    case 'payments':
      return { promptPayId: str(body.promptPayId) };
    default:
      return {};
  }
}

const BLANK_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

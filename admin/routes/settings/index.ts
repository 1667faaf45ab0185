import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { withTransaction } from '#src/db/client.ts';
import { isAppError } from '#src/errors.ts';
import { hideInLog } from '#src/logger.ts';
import { createLinkCode, merchantTargets, notifyMerchant, showLinkCode } from '#src/modules/notify/index.ts';
import { MAX_LOGO_BYTES, promptPayIdSchema, sectionSchemas, settingsSections, type SettingsSection } from '#src/modules/settings/index.ts';
import { writeAudit } from '../../audit.ts';
import { allowed } from '../../auth/roles.ts';
import type { FieldErrors } from '../../forms.ts';
import { helpers, render } from '../../view.ts';
import { carrierCredentialsFromForm, facebookFromForm, facebookTyped, fieldErrors, forms, rawValues, str, type Body } from './forms.ts';
import { logoRoutes } from './logo.routes.ts';
import { auditFor, qrPreview, sectionPath, showSettings } from './page.ts';

/** The shop's settings, one page per section (owner and admin); a save applies at once, everywhere. */
export const settingsRoutes: FastifyPluginAsync = async (app) => {
  const { config, db } = app.deps;
  const manage = { roles: allowed('settings.manage') };
  // Where customers pay is the owner's alone: an admin cannot redirect the shop's money.
  const rolesFor = (section: SettingsSection) => ({ roles: allowed(section === 'payments' ? 'settings.payments' : 'settings.manage') });
  // Only the logo form (logo.routes.ts, registered below) uploads; the plugin stays inside the settings routes.
  await app.register(multipart, { limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 5, parts: 6 } });

  app.get('/settings', { config: manage }, async (request, reply) => showSettings(app, request, reply, 'profile'));

  for (const section of settingsSections) {
    app.get(`/settings/${section}`, { config: rolesFor(section) }, async (request, reply) => showSettings(app, request, reply, section));

    app.post(`/settings/${section}`, { config: rolesFor(section) }, async (request, reply) => {
      const { t } = helpers(request);
      const body = (request.body ?? {}) as Body;
      const data = forms[section].fromForm(body) as Body;
      // The logo has its own form; the profile form keeps the one stored.
      if (section === 'profile') data.logoPath = app.deps.settings.values('profile').logoPath;
      if (section === 'carriers') {
        // The keys typed now: cut out of the log before anything can write them (as the Facebook ones below).
        hideInLog(app.deps.logger, str(body.flashSecretKey), str(body.thaipostApiKey));
        Object.assign(data, carrierCredentialsFromForm(body, app.deps.settings.values('carriers'), app.deps.secretBox));
      }
      if (section === 'facebook') {
        const typed = facebookTyped(body);
        // A refused value is never put back into the page: the merchant types it again.
        if (!typed.success) return showSettings(app, request, reply, section, { errors: fieldErrors(typed.error.issues, t), values: forms.facebook.toForm(app.deps.settings.values('facebook')) }, 400);
        hideInLog(app.deps.logger, ...Object.values(typed.data));
        Object.assign(data, facebookFromForm(body, typed.data, app.deps.settings.values('facebook'), app.deps.secretBox));
      }
      const parsed = sectionSchemas[section].safeParse(data);
      const again = (errors: FieldErrors) =>
        showSettings(app, request, reply, section, { errors, values: { ...(forms[section].toForm as (d: unknown) => Body)(data), ...rawValues(section, body, data) } }, 400);
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

  await app.register(logoRoutes);

  /** The PromptPay QR for 100 baht with the id being typed, so the merchant can scan it before saving. */
  app.get('/settings/payments/preview', { config: rolesFor('payments') }, async (request, reply) => {
    const { t } = helpers(request);
    const raw = str((request.query as Body | undefined)?.promptPayId).slice(0, 40);
    const id = raw ? promptPayIdSchema.safeParse(raw) : undefined;
    const qr = id?.success ? await qrPreview(id.data) : undefined;
    return render(request, reply, 'settings/qr-preview', { qr, error: id && !id.success ? t('settings.error.promptPay') : undefined });
  });

  /** A one-time code the merchant sends from their own chat to the shop's bot, which links that chat (shown once). */
  app.post('/settings/notifications/link-code', { config: manage }, async (request, reply) => {
    const { t } = helpers(request);
    const user = request.admin!.user;
    const made = await withTransaction(db, async (tx) => {
      const code = await createLinkCode(tx, user.email);
      if (code !== 'too_many') await writeAudit(tx, user, { action: 'settings.link_code', target: 'settings:notifications', details: { expiresAt: code.expiresAt.toISOString() } });
      return code;
    });
    if (made === 'too_many') return showSettings(app, request, reply, 'notifications', { error: t('settings.link.tooMany') }, 429);
    return showSettings(app, request, reply, 'notifications', { linkCode: showLinkCode(made.code), notice: t('done.linkCode') });
  });

  /** A test message to every merchant target, through the outbox like every other message. */
  app.post('/settings/notifications/test', { config: manage }, async (request, reply) => {
    const { t } = helpers(request);
    const targets = merchantTargets(config);
    if (targets.length === 0) return showSettings(app, request, reply, 'notifications', { error: t('settings.notify.noTargets') }, 400);
    const text = helpers(request).t('settings.notify.testText', { shop: config.shop.name });
    await withTransaction(db, async (tx) => {
      await notifyMerchant(tx, config, { kind: 'chat.messages', messages: [{ type: 'text', text }] }, `settings-test:${randomUUID()}`);
      await writeAudit(tx, request.admin!.user, { action: 'settings.test_message', target: 'settings:notifications', details: { targets: targets.map((x) => x.channel) } });
    });
    return reply.redirect('/admin/settings/notifications?done=settingsTestQueued', 303);
  });
};

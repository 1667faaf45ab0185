import type { FastifyPluginAsync } from 'fastify';
import { readLogo, storeLogo } from '#src/modules/settings/index.ts';
import { refuse } from '../../auth/guard.ts';
import { allowed } from '../../auth/roles.ts';
import { helpers } from '../../view.ts';
import { formCsrfValid, readMultipartForm } from '../../multipart-form.ts';
import { auditFor, showSettings } from './page.ts';

/** The shop's logo: uploaded (multipart, registered by the settings plugin), removed, and served to pages. */
export const logoRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app.deps;
  const manage = { roles: allowed('settings.manage') };

  /** The logo upload arrives as multipart: the CSRF token is checked once its fields are read. */
  app.post('/settings/logo', { config: { ...manage, ownCsrf: true } }, async (request, reply) => {
    const { t } = helpers(request);
    const form = await readMultipartForm(request);
    if (!formCsrfValid(request, form)) return refuse(request, reply, 'csrf');
    const { file, tooLarge } = form;
    const stored = !tooLarge && file ? await storeLogo(config.dataDir, file) : { ok: false as const };
    if (!stored.ok) return showSettings(app, request, reply, 'profile', { errors: { logo: t(file || tooLarge ? 'settings.error.logo' : 'settings.error.logoMissing') } }, 400);
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
};

const BLANK_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listWarehouses } from '#src/modules/inventory/index.ts';
import { merchantTargets } from '#src/modules/notify/index.ts';
import { BANKS } from '#src/modules/payments/banks.ts';
import { buildPromptPayPayload, renderPromptPayQrPng } from '#src/modules/payments/promptpay.ts';
import { settingsSections, type SettingsAudit, type SettingsSection } from '#src/modules/settings/index.ts';
import { writeAudit } from '../../audit.ts';
import { can } from '../../auth/roles.ts';
import type { FieldErrors } from '../../forms.ts';
import { render } from '../../view.ts';
import { bookingCarriers } from '../order-view.ts';
import { facebookFields, faqExamples, forms, lastFour, type Body } from './forms.ts';

/** One settings section's page: its form with the stored (or typed) values and what the section shows beside it. */
export const auditFor =
  (request: FastifyRequest): SettingsAudit =>
  (tx, change) =>
    writeAudit(tx, request.admin!.user, {
      action: `settings.${change.section}`,
      target: `settings:${change.section}`,
      details: { version: change.version, before: change.before, after: change.after },
    });

export const sectionPath = (s: SettingsSection) => `/admin/settings/${s}`;


export async function qrPreview(id: string | undefined): Promise<string | undefined> {
  if (!id) return undefined;
  const png = await renderPromptPayQrPng(buildPromptPayPayload({ id, amountMinor: 10_000 }), { width: 240 });
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Where Messenger's values come from, the last 4 characters of each, and what to paste in Meta's dashboard. */
function facebookPage(app: FastifyInstance) {
  const saved = app.deps.settings.values('facebook');
  const live = app.deps.config.facebook;
  return {
    status: !live ? 'none' : app.deps.settings.isSet('facebook') && facebookFields.some((f) => saved[f]) ? 'settings' : 'env',
    hints: Object.fromEntries(facebookFields.map((f) => [f, lastFour(live?.[f])])),
    webhookUrl: `${app.deps.config.publicUrl.replace(/\/+$/, '')}/webhooks/facebook`,
    fields: ['messages', 'messaging_postbacks', 'message_echoes'],
  };
}

export async function showSettings(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  section: SettingsSection,
  extra: { errors?: FieldErrors; values?: Body; error?: string; notice?: string; linkCode?: string } = {},
  status = 200,
) {
  const { settings, config, db } = app.deps;
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
  if (section === 'notifications') {
    data.targets = merchantTargets(config).map((t) => t.channel);
    data.channels = { line: Boolean(config.line), telegram: Boolean(config.telegram) };
    data.linkCode = extra.linkCode;
  }
  if (section === 'carriers') {
    data.warehouses = await listWarehouses(db);
    data.bookers = bookingCarriers(app.deps.carriers.registry());
  }
  if (section === 'locale') data.timeZones = Intl.supportedValuesOf('timeZone');
  if (section === 'facebook') data.facebook = facebookPage(app);
  if (section === 'faq') data.examples = faqExamples;
  return render(request, reply, `settings/${section}`, data, status);
}
